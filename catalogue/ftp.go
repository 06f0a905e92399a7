package catalogue

// FTP's own replies: greetings, logins, and the sentences of the library
// replies dossierd's ftpserverlib fork rewrote.
var (
	FTPReady            = T{"dossierd prêt", "dossierd ready"}
	FTPReadyTLS         = T{"dossierd prêt ; FTP sur TLS (explicite) est obligatoire", "dossierd ready; FTP over TLS (explicit) is required"}
	FTPWelcome          = T{"Bienvenue.", "Welcome."}
	FTPWelcomeName      = T{"Bienvenue, %s.", "Welcome, %s."}
	FTPLoginIncorrect   = T{"Identifiant ou mot de passe incorrect.", "Login incorrect."}
	FTPLoginFailed      = T{"Connexion impossible : le serveur n'a pas pu vérifier votre mot de passe ; réessayez plus tard.", "Login failed: the server could not check your password; please try again later."}
	FTPTLSRequired      = T{"TLS obligatoire : activez FTP sur TLS (explicite) dans votre client", "TLS required: enable FTP over TLS (explicit) in your client"}
	FTPShuttingDown     = T{"le serveur s'arrête ; réessayez dans une minute", "the server is shutting down; please try again in a minute"}
	FTPAlreadyLogged    = T{"déjà connecté", "already logged in"}
	FTPLoginTime        = T{"délai de connexion dépassé", "login time exceeded"}
	FTPLoginTimeReply   = T{"Délai de connexion dépassé (%d secondes pour se connecter) : fermeture de la connexion", "Login time exceeded (%d seconds to log in): closing the connection"}
	FTPClosing          = T{"la connexion se ferme", "the connection is closing"}
	Unsupported         = T{"%s n'est pas pris en charge par ce serveur", "%s is not supported by this server"}
	FTPThisCommand      = T{"cette commande", "this command"}
	FTPMkdirAll         = T{"la création de dossiers en cascade", "creating folders recursively"}
	FTPRemoveAll        = T{"la suppression de dossiers non vides", "deleting folders recursively"}
	FTPChmod            = T{"le changement des permissions", "changing permissions"}
	FTPChown            = T{"le changement de propriétaire", "changing owners"}
	BadOffset           = T{"impossible de reprendre l'envoi de %q à l'octet %d : le fichier sur le serveur fait %d octets ; reprenez à partir de là, ou renvoyez le fichier entier", "cannot resume the upload of %q at byte %d: the file on the server has %d bytes; resume from there, or upload the whole file again"}
	FTPOpenForReading   = T{"ce fichier est ouvert en lecture", "this file is open for reading"}
	FTPOpenForWriting   = T{"ce fichier est ouvert en écriture", "this file is open for writing"}
	FTPUploadCut        = T{"envoi de %q interrompu : la connexion de données a été coupée avant la fin du fichier", "upload of %q interrupted: the data connection was cut before the end of the file"}
	TransferCut         = T{"%s interrompu : la connexion a été coupée avant la fin du fichier", "%s interrupted: the connection was cut before the end of the file"}
	DownloadWord        = T{"téléchargement", "download"}
	UploadWord          = T{"envoi", "upload"}
	FTPLegacyEncoding   = T{`votre client FTP envoie les noms dans un ancien encodage : réglez son jeu de caractères sur UTF-8, dans FileZilla « Gestionnaire de Sites > Jeu de caractères > Forcer l'UTF-8 »`, `your FTP client sends names in a legacy encoding: set its character set to UTF-8, in FileZilla "Site Manager > Charset > Force UTF-8"`}
	CreatingLinks       = T{"la création de liens", "creating links"}
	ReadingLinks        = T{"la lecture de liens", "reading links"}
	ChangingSize        = T{"le changement de taille d'un fichier", "changing the size of a file"}
	SiteChmodIgnored    = T{"SITE CHMOD ignoré : les permissions sont fixées par le serveur", "SITE CHMOD ignored: permissions are set by the server"}
	FTPSiteChmodUsage   = T{"utilisation : SITE CHMOD <mode> <chemin>", "usage: SITE CHMOD <mode> <path>"}
	TooManyFromAddress  = T{"trop de connexions depuis votre adresse : fermez d'autres sessions et réessayez", "too many connections from your address: close other sessions and try again"}
	ServerBusy          = T{"trop de connexions : le serveur est occupé, réessayez plus tard", "too many connections: the server is busy, please try again later"}
	ReplyFeatures       = T{"Extensions prises en charge :", "Extensions supported:"}
	ReplyFeaturesEnd    = T{"Fin", "End"}
	ReplyUserOK         = T{"Mot de passe requis", "Password required"}
	ReplyCLNT           = T{"Nom du client enregistré", "Client name recorded"}
	ReplyOptsUTF8       = T{"UTF-8 est toujours actif", "UTF-8 is always on"}
	ReplyOptsUnknown    = T{"Option inconnue", "Unknown option"}
	ReplyCWD            = T{"Dossier de travail : ", "Working directory changed to "}
	ReplyRNFR           = T{"Le fichier existe, en attente du nouveau nom", "File exists, ready for destination name"}
	ReplyRNTO           = T{"Fichier renommé", "File renamed"}
	ReplyDone           = T{"Commande réussie", "Command successful"}
	ReplyCOMB           = T{"Fichiers assemblés", "Files combined"}
	ReplyNotImplemented = T{"Commande non prise en charge", "Command not implemented"}
	ReplyTransferFailed = T{"Échec du transfert : la connexion de données a été fermée avant la fin", "Transfer failed: the data connection was closed before the end"}
)
