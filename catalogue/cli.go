package catalogue

// What back-office staff read from the dossierd command: what a command
// did, why it refused, the headers of its tables. Its help (Short, Long,
// flag usages, cobra's templates) and the refusals of a command line are
// in help.go. The log, for the server's administrator and their tools,
// stays in English. Values stored in the directory or the audit trail
// (roles, actions, results) are shown as they are stored, since the same
// words are typed after --role or --action.

// Accounts.
var (
	PasswordFlagsBoth   = T{"donnez --password ou --password-stdin, pas les deux", "give either --password or --password-stdin, not both"}
	PasswordStdinErr    = T{"impossible de lire le mot de passe sur l'entrée standard : %w", "reading the password from standard input: %w"}
	PasswordStdinNone   = T{"aucun mot de passe sur l'entrée standard", "no password on standard input"}
	RoleFlagRequired    = T{"--role est obligatoire (client, trainee, trainer ou staff)", "--role is required (client, trainee, trainer or staff)"}
	AccountAdded        = T{"compte %q créé (%s %s)", "account %q added (%s %s)"}
	NewPasswordRequired = T{"donnez le nouveau mot de passe avec --password ou --password-stdin", "give the new password with --password or --password-stdin"}
	PasswordChanged     = T{"mot de passe de %q modifié", "password of %q changed"}
	AccountDisabledDone = T{"compte %q désactivé", "account %q disabled"}
	AccountEnabledDone  = T{"compte %q réactivé", "account %q enabled"}
	AccountDeleted      = T{"compte %q supprimé ; ses fichiers restent sur le disque", "account %q deleted; its files stay on disk"}
	StatusEnabled       = T{"actif", "enabled"}
	StatusDisabled      = T{"désactivé", "disabled"}
	HeadLogin           = T{"IDENTIFIANT", "LOGIN"}
	HeadRole            = T{"RÔLE", "ROLE"}
	HeadRef             = T{"RÉFÉRENCE", "REF"}
	HeadName            = T{"NOM", "NAME"}
	HeadStatus          = T{"ÉTAT", "STATUS"}
	HeadExpires         = T{"EXPIRE LE", "EXPIRES"}
	HeadPassword        = T{"MOT DE PASSE", "PASSWORD"}
)

// Sessions and enrollments.
var (
	SessionAdded   = T{"session %q créée", "session %q added"}
	SessionDeleted = T{"session %q supprimée ; ses fichiers restent sur le disque", "session %q deleted; its files stay on disk"}
	Enrolled       = T{"%s %s inscrit à %s", "%s %s enrolled in %s"}
	Unenrolled     = T{"%s %s désinscrit de %s (les fichiers restent sur le disque)", "%s %s unenrolled from %s (files stay on disk)"}
	HeadCode       = T{"CODE", "CODE"}
	HeadFolder     = T{"DOSSIER", "FOLDER"}
	HeadTitle      = T{"INTITULÉ", "TITLE"}
	HeadStarts     = T{"DÉBUT", "STARTS"}
	HeadEnds       = T{"FIN", "ENDS"}
)

// dossierd tree and check-name. check-name's verdicts are padded to the
// same width, so that the names line up.
var (
	TreeVirtual    = T{"(virtuel)", "(virtual)"}
	TreeCannotLog  = T{"# %s : ce compte ne peut pas se connecter pour l'instant", "# %s: this account cannot log in now"}
	NameOK         = T{"ok       %q", "ok       %q"}
	NameRefusedCLI = T{"refusé   %s", "refused  %s"}
	NamesRefused1  = T{"%d nom refusé sur %d", "%d of %d names refused"}
	NamesRefusedN  = T{"%d noms refusés sur %d", "%d of %d names refused"}
)

// dossierd defender and audit.
var (
	NotIPAddress = T{"%q n'est pas une adresse IP", "%q is not an IP address"}
	Unbanned     = T{"%s n'est plus bannie", "%s unbanned"}
	NotListed    = T{"%s n'était pas listée ; le score que le serveur lui attribuait éventuellement est effacé", "%s was not listed; any score the daemon holds for it is cleared"}
	HeadIP       = T{"IP", "IP"}
	HeadScore    = T{"SCORE", "SCORE"}
	HeadBanned   = T{"BANNIE JUSQU'AU", "BANNED UNTIL"}
	HeadBans     = T{"BANNISSEMENTS", "BANS"}
	DateExpected = T{"%s %q : une date AAAA-MM-JJ est attendue", "%s %q: expected a date YYYY-MM-DD"}
	HeadTime     = T{"HEURE", "TIME"}
	HeadProtocol = T{"PROTOCOLE", "PROTOCOL"}
	HeadRemote   = T{"ADRESSE", "REMOTE"}
	HeadAction   = T{"ACTION", "ACTION"}
	HeadPath     = T{"CHEMIN", "PATH"}
	HeadBytes    = T{"OCTETS", "BYTES"}
	HeadResult   = T{"RÉSULTAT", "RESULT"}
)

// dossierd backup, import, export.
var (
	BackupFailed    = T{"sauvegarde : %w", "backup: %w"}
	BackedUp        = T{"base sauvegardée dans %s", "database backed up to %s"}
	ImportBoth      = T{"donnez soit un fichier JSON, soit des fichiers CSV (--accounts, --sessions, --enrollments), pas les deux", "give either a JSON file or CSV files (--accounts, --sessions, --enrollments), not both"}
	ImportNone      = T{"donnez le fichier JSON à importer, ou les fichiers CSV avec --accounts, --sessions et --enrollments", "give the JSON file to import, or the CSV files with --accounts, --sessions and --enrollments"}
	WritingFile     = T{"impossible d'écrire %s : %w", "writing %s: %w"}
	Exported        = T{"annuaire exporté dans %s", "directory exported to %s"}
	VersionUnknown  = T{"inconnue", "unknown"}
	VersionModified = T{" (modifié)", " (modified)"}
)

// The import's progress bar, by auth's stage names.
var stages = map[string]T{
	"checking passwords": T{"mots de passe", "checking passwords"},
	"creating folders":   T{"dossiers", "creating folders"},
	"writing":            T{"écriture", "writing"},
}

// Stage is the words of an import stage.
func Stage(s string) string {
	if t, ok := stages[s]; ok {
		return t.F()
	}
	return s
}

// dossierd serve --demo: what the person trying dossierd reads first.
var (
	DemoFailed       = T{"démo : %w", "demo: %w"}
	DemoLoaded       = T{"Annuaire de démonstration chargé. Identifiants :", "Demo directory loaded. Logins:"}
	DemoSFTP         = T{"SFTP : sftp -P %d %s@127.0.0.1", "SFTP: sftp -P %d %s@127.0.0.1"}
	DemoFTPSImplicit = T{"FTPS (TLS implicite) : ftps://127.0.0.1:%d (identifiant %s)", "FTPS (implicit TLS): ftps://127.0.0.1:%d (login %s)"}
	DemoFTPSRequired = T{"FTPS : ftp://127.0.0.1:%d, FTP sur TLS (explicite) obligatoire (identifiant %s)", "FTPS: ftp://127.0.0.1:%d, FTP over TLS (explicit) required (login %s)"}
	DemoWebHTTPS     = T{"Espace privé : https://127.0.0.1:%d (certificat auto-signé : le navigateur demande une fois de l'accepter ; identifiant %s)", "Espace privé: https://127.0.0.1:%d (self-signed certificate: the browser asks once to accept it; login %s)"}
	DemoWeb          = T{"Espace privé : http://127.0.0.1:%d (identifiant %s)", "Espace privé: http://127.0.0.1:%d (login %s)"}
	DemoFTP          = T{`FTP/FTPS : ftp://127.0.0.1:%d, dans FileZilla choisissez « Exiger FTP explicite sur TLS » (identifiant %s)`, `FTP/FTPS: ftp://127.0.0.1:%d, in FileZilla choose "Require explicit FTP over TLS" (login %s)`}
	PprofFailed      = T{"--pprof : %w", "--pprof: %w"}
)
