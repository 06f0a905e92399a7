package catalogue

// The sentences of the ftpserverlib fork's own replies
// (third_party/ftpserverlib, ReplyTexts in dossierd.go), one per field of
// its Replies: ftpd copies them there once per process. Each has the verbs
// the fork passes, in its order; the English is the fork's default. PASV
// and EPSV keep their parenthesised address as RFC 959 and RFC 2428 write
// it: clients read the numbers there.
var (
	ReplyIdleTimeout          = T{"Délai d'inactivité dépassé (%d secondes) : fermeture de la connexion", "command timeout (%d seconds): closing control connection"}
	ReplyUnknownCommand       = T{"Commande inconnue : %#v", "Unknown command %#v"}
	ReplyNotLoggedIn          = T{"Connectez-vous d'abord (USER puis PASS)", "Please login with USER and PASS"}
	ReplyInternalError        = T{"Erreur interne du serveur : %s", "Unhandled internal error: %s"}
	ReplyCommandError         = T{"Erreur : %s", "Error: %s"}
	ReplyNoTransferConnection = T{"Transfert impossible : aucune connexion de données n'est ouverte", "unable to open transfer: no transfer connection"}
	ReplyTransferTLSRequired  = T{"Transfert impossible : TLS est obligatoire sur la connexion de données", "unable to open transfer: TLS is required"}
	ReplyDataConnFailed       = T{"Impossible d'ouvrir la connexion de données : %v", "Could not open the data connection: %v"}
	ReplyDeflateFailed        = T{"Impossible de passer en mode compressé : %v", "Could not switch to deflate mode: %v"}
	ReplyTransferOpen         = T{"Connexion de données ouverte, transfert en cours", "Using transfer connection"}
	ReplyTransferClosed       = T{"Transfert terminé, fermeture de la connexion de données", "Closing transfer connection"}
	ReplyUserRejected         = T{"Utilisateur refusé : %v", "User rejected: %v"}
	ReplyTLSRequired          = T{"TLS obligatoire", "TLS is required"}
	ReplyTLSVerifyFailed      = T{"Échec de la vérification TLS : %v", "TLS verification failed: %v"}
	ReplyTLSCertOK            = T{"Certificat TLS accepté, vous êtes connecté", "TLS certificate ok, continue"}
	ReplyNoDriver             = T{"Erreur interne : connexion impossible", "Unexpected exception (driver is nil)"}
	ReplyAuthError            = T{"Erreur d'authentification : %v", "Authentication error: %v"}
	ReplyPassOK               = T{"Mot de passe accepté", "Password ok, continue"}
	ReplyCWDNotDir            = T{"Impossible d'ouvrir %s : ce n'est pas un dossier", "Can't change directory to %s: Not a Directory"}
	ReplyCWDFailed            = T{"Impossible de changer de dossier : %v", "CD issue: %v"}
	ReplyCDUPFailed           = T{"Impossible de remonter au dossier parent : %v", "CDUP issue: %v"}
	ReplyMKD                  = T{`Dossier "%s" créé`, `Created dir "%s"`}
	ReplyMKDFailed            = T{`Impossible de créer "%s" : %v`, `Could not create "%s" : %v`}
	ReplyMissingPath          = T{"Chemin manquant", "Missing path"}
	ReplySiteMKDIR            = T{"Dossier %s créé", "Created dir %s"}
	ReplySiteMKDIRFailed      = T{"Impossible de créer le dossier %s : %v", "Couldn't create dir %s: %v"}
	ReplyRMD                  = T{"Dossier %s supprimé", "Deleted dir %s"}
	ReplyRMDFailed            = T{"Impossible de supprimer le dossier %s : %v", "Could not delete dir %s: %v"}
	ReplySiteRMDIR            = T{"Dossier %s supprimé", "Removed dir %s"}
	ReplySiteRMDIRFailed      = T{"Impossible de supprimer le dossier %s : %v", "Couldn't remove dir %s: %v"}
	ReplyPWD                  = T{`"%s" est le dossier de travail`, `"%s" is the current directory`}
	ReplyListFailed           = T{"Liste impossible : %v", "Could not list: %v"}
	ReplyMLSDDisabled         = T{"MLSD est désactivé", "MLSD has been disabled"}
	ReplyMLSTDisabled         = T{"MLST est désactivé", "MLST has been disabled"}
	ReplyOpenFailed           = T{"Impossible d'accéder au fichier : %v", "Could not access file: %v"}
	ReplySeekFailed           = T{"Impossible de se positionner dans le fichier : %v", "Could not seek file: %v"}
	ReplyCOMBDisabled         = T{"COMB est désactivé", "COMB support is disabled"}
	ReplyCOMBParams           = T{"Paramètres de COMB invalides : %v", "invalid COMB parameters: %v"}
	ReplyCOMBAccessFailed     = T{"Impossible d'accéder au fichier %#v : %v", "Could not access file %#v: %v"}
	ReplyCOMBFailed           = T{"Impossible d'assembler le fichier %#v : %v", "Could not combine file %#v: %v"}
	ReplyCOMBDeleteFailed     = T{"Impossible de supprimer le fichier %#v après l'assemblage : %v", "Could not delete file %#v after combine: %v"}
	ReplyCOMBCloseFailed      = T{"Impossible de fermer le fichier assemblé %#v : %v", "Could not close combined file %#v: %v"}
	ReplySiteCHMOD            = T{"SITE CHMOD réussi", "SITE CHMOD command successful"}
	ReplyBadCommand           = T{"Commande incorrecte", "bad command"}
	ReplyChownFailed          = T{"Impossible de changer le propriétaire : %v", "Couldn't chown: %v"}
	ReplySymlinkFailed        = T{"Impossible de créer le lien : %v", "Couldn't symlink: %v"}
	ReplyDELE                 = T{"Fichier %s supprimé", "Removed file %s"}
	ReplyDELEFailed           = T{"Impossible de supprimer %s : %v", "Couldn't delete %s: %v"}
	ReplyAccessFailed         = T{"Impossible d'accéder à %s : %v", "Couldn't access %s: %v"}
	ReplyRNTOFailed           = T{"Impossible de renommer %s en %s : %v", "Couldn't rename %s to %s: %v"}
	ReplyRNTOWithoutRNFR      = T{"RNFR doit précéder RNTO", "RNFR is expected before RNTO"}
	ReplySIZEASCII            = T{"SIZE n'est pas disponible en mode ASCII", "SIZE not allowed in ASCII mode"}
	ReplySIZEDir              = T{"%s est un dossier", "%s is a directory"}
	ReplySTATFailed           = T{"STAT impossible : %v", "Could not STAT: %v"}
	ReplyFileDetails          = T{"Détails du fichier", "File details"}
	ReplyParseSizeFailed      = T{"Taille illisible : %v", "Couldn't parse size: %v"}
	ReplyALLOFailed           = T{"Impossible de réserver l'espace : %v", "Could not allocate space: %v"}
	ReplyRESTASCII            = T{"Reprise des transferts impossible en mode ASCII", "Resuming transfers not allowed in ASCII mode"}
	ReplyRESTDeflate          = T{"Reprise des transferts impossible en mode compressé", "Resuming transfers not allowed in deflate mode"}
	ReplyMFMTParams           = T{"Impossible de changer la date de modification, paramètres insuffisants : %s", "Couldn't set mtime, not enough params, given: %s"}
	ReplyMFMTParseFailed      = T{"Date de modification illisible : %s, erreur : %v", "Couldn't parse mtime, given: %s, err: %v"}
	ReplyMFMTFailed           = T{"Impossible de fixer la date de modification %q de %q : %v", "Couldn't set mtime %q for %q, err: %v"}
	ReplyHASHDisabled         = T{"Le calcul d'empreintes est désactivé", "File hash support is disabled"}
	ReplyHASHParams           = T{"Paramètres de HASH invalides : %v", "invalid HASH parameters: %v"}
	ReplyHASHNotFile          = T{"%v n'est pas un fichier", "%v is not a regular file"}
	ReplyHASHComputing        = T{"Calcul de l'empreinte %v", "Computing %v digest"}
	ReplyAUTH                 = T{"AUTH accepté, en attente de la négociation TLS", "AUTH command ok. Expecting TLS Negotiation."}
	ReplyNoTLSConfig          = T{"Configuration TLS indisponible : %v", "Cannot get a TLS config: %v"}
	ReplySYSTDisabled         = T{"SYST est désactivé", "SYST is disabled"}
	ReplySITEDisabled         = T{"SITE est désactivé", "SITE support is disabled"}
	ReplySITEUnknown          = T{"Sous-commande SITE inconnue : %s", "Unknown SITE subcommand: %s"}
	ReplySTATDisabled         = T{"STAT est désactivé", "STAT is disabled"}
	ReplyServerStatus         = T{"État du serveur", "Server status"}
	ReplyStatusConnected      = T{"Connexion à %s depuis %s, ouverte depuis %s", "Connected to %s from %s for %s"}
	ReplyStatusLoggedIn       = T{"Connecté en tant que %s", "Logged in as %s"}
	ReplyStatusNotLoggedIn    = T{"Pas encore connecté", "Not logged in yet"}
	ReplyStatusTransfer       = T{"Connexion de données ouverte", "Transfer connection open"}
	ReplyHashUnknown          = T{"Algorithme inconnu, sélection inchangée", "Unknown algorithm, current selection not changed"}
	ReplyTypeBinary           = T{"Type réglé sur binaire", "Type set to binary"}
	ReplyTypeASCII            = T{"Type réglé sur ASCII", "Type set to ASCII"}
	ReplyTypeUnsupported      = T{"Type de transfert non pris en charge", "Unsupported transfer type"}
	ReplyModeStream           = T{"Mode flux sélectionné", "Using stream mode"}
	ReplyModeDeflate          = T{"Mode compressé sélectionné", "Using deflate mode"}
	ReplyModeUnimplemented    = T{"Ce mode de transfert n'est pas disponible", "Unimplemented MODE type"}
	ReplyModeUnsupported      = T{"Mode de transfert non pris en charge", "Unsupported mode"}
	ReplyGoodbye              = T{"Au revoir", "Goodbye"}
	ReplyABORAborted          = T{"Connexion fermée ; transfert interrompu", "Connection closed; transfer aborted"}
	ReplyABOR                 = T{"ABOR réussi ; fermeture de la connexion de données", "ABOR successful; closing transfer connection"}
	ReplyAVBLNotDir           = T{"%s : ce n'est pas un dossier", "%s: is not a directory"}
	ReplyAVBLFailed           = T{"Impossible de connaître l'espace libre de %s : %v", "Couldn't get space for path %s: %v"}
	ReplyActiveDisabled       = T{"La commande %v est désactivée", "%v command is disabled"}
	ReplyPORTParseFailed      = T{"Impossible de lire %s : %v", "Problem parsing %s: %v"}
	ReplyPORTRefused          = T{"Votre demande ne respecte pas les règles de sécurité du serveur", "Your request does not meet the configured security requirements"}
	ReplyActiveNoTLSConfig    = T{"Configuration TLS indisponible pour la connexion active : %v", "Cannot get a TLS config for active connection: %v"}
	ReplyPORT                 = T{"Commande %s réussie", "%s command successful"}
	ReplyPASVFailed           = T{"Impossible d'ouvrir le port passif : %v", "Could not listen for passive connection: %v"}
	ReplyEPSV                 = T{"Entrée en mode passif étendu (|||%d|)", "Entering Extended Passive Mode (|||%d|)"}
	ReplyPASV                 = T{"Entrée en mode passif (%s,%s,%s,%s,%d,%d)", "Entering Passive Mode (%s,%s,%s,%s,%d,%d)"}
)
