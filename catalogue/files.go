package catalogue

// What users read when an operation on a file or folder is refused (vfs).
// Each refusal reads "cannot <operation> <path>: <reason>"; the operation
// carries its French preposition ("d'envoyer", "de supprimer").

// Operations, by the key vfs and the adapters use in PathError.Op (and in
// the server log, which stays in English).
var operations = map[string]T{
	"upload":               {"d'envoyer", "upload"},
	"download":             {"de télécharger", "download"},
	"list":                 {"d'afficher le dossier", "list"},
	"read":                 {"de lire", "read"},
	"create folder":        {"de créer le dossier", "create folder"},
	"delete":               {"de supprimer", "delete"},
	"delete folder":        {"de supprimer le dossier", "delete folder"},
	"rename":               {"de renommer", "rename"},
	"rename to":            {"de renommer en", "rename to"},
	"set the time of":      {"de changer la date de", "set the time of"},
	"set the size of":      {"de changer la taille de", "set the size of"},
	"resume the upload of": {"de reprendre l'envoi de", "resume the upload of"},
	"change":               {"de modifier", "change"},
}

// Operation is the words of an operation key; an unknown key is shown as
// it is (a programming slip, still readable).
func Operation(op string) string {
	if t, ok := operations[op]; ok {
		return t.F()
	}
	return op
}

// Refusals of file operations: the first argument is Operation(op), the
// second the virtual path (quoted with %q so that no name can break the
// line).
var (
	Refused          = T{"impossible %s %q", "cannot %s %q"}
	RefusedName      = T{"impossible %s %q : %s", "cannot %s %q: %s"}
	NotFound         = T{"impossible %s %q : fichier ou dossier introuvable", "cannot %s %q: no such file or folder"}
	ReadOnly         = T{"impossible %s %q : dossier en lecture seule", "cannot %s %q: read-only folder"}
	Exists           = T{"impossible %s %q : un fichier ou un dossier de ce nom existe déjà", "cannot %s %q: a file or folder with this name already exists"}
	NotEmpty         = T{"impossible %s %q : le dossier n'est pas vide", "cannot %s %q: the folder is not empty"}
	IsFolder         = T{"impossible %s %q : c'est un dossier", "cannot %s %q: it is a folder"}
	NotFolder        = T{"impossible %s %q : ce n'est pas un dossier", "cannot %s %q: it is not a folder"}
	InvalidPath      = T{"impossible %s %q : chemin invalide", "cannot %s %q: invalid path"}
	DiskFull         = T{"impossible %s %q : le disque du serveur est plein ; la version précédente, s'il y en a une, est conservée (prévenez votre organisme de formation)", "cannot %s %q: the server's disk is full; the previous version, if any, is kept (please tell your training centre)"}
	TooLarge         = T{"impossible %s %q : fichier trop volumineux : %s au maximum par fichier", "cannot %s %q: file too large: at most %s per file"}
	TooLargeForDisk  = T{"impossible %s %q : fichier trop volumineux pour le serveur", "cannot %s %q: file too large for the server"}
	TooFar           = T{"impossible %s %q : une écriture à plus de %s au-delà de la fin du fichier a été refusée", "cannot %s %q: a write more than %s past the end of the file was refused"}
	TooManyOpen      = T{"impossible %s %q : trop de fichiers ouverts sur cette connexion (%d au maximum) ; fermez-en d'abord", "cannot %s %q: too many files open on this connection (at most %d); close some first"}
	UploadInProgress = T{"impossible %s %q : un envoi est en cours à cet endroit ; réessayez quand il sera terminé", "cannot %s %q: an upload is in progress there; try again once it has finished"}
	Failed           = T{"impossible %s %q : le serveur n'a pas pu terminer l'opération", "cannot %s %q: the server could not complete the operation"}
	// UploadCancelled is the audit trail's record of an upload whose file
	// was deleted while it was written.
	UploadCancelled = T{"envoi de %q annulé : le fichier a été supprimé avant la fin de son envoi", "upload of %q cancelled: the file was deleted before its upload ended"}
)

// Hints added in parentheses to a refusal, to say what the user can do.
var (
	OnlyDownload      = T{"ce compte peut seulement télécharger", "this account can only download"}
	UploadInto        = T{"vous pouvez envoyer des fichiers dans %q", "you can upload into %q"}
	UploadIntoOthers  = T{"vous pouvez envoyer des fichiers dans %q et dans les autres dossiers modifiables", "you can upload into %q and the other writable folders"}
	DownloadNotChange = T{"les fichiers de %q peuvent être téléchargés, pas modifiés ; %s", "files in %q can be downloaded, not changed; %s"}
	NotBetweenFolders = T{"vers %q : impossible de déplacer des fichiers entre ces dossiers ; téléchargez puis envoyez-les", "to %q: files cannot be moved between these folders; download and upload instead"}
	WithHint          = T{"%s (%s)", "%s (%s)"}
)
