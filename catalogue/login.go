package catalogue

// What users read when they log in, or cannot: SSH banners, FTP replies
// to PASS, connection refusals.
var (
	AccountDisabled         = T{"Ce compte est désactivé. Contactez votre organisme de formation.", "This account is disabled. Please contact your training centre."}
	AccountExpired          = T{"Ce compte a expiré. Contactez votre organisme de formation.", "This account has expired. Please contact your training centre."}
	TooManyLoginConnections = T{"trop de connexions ouvertes avec cet identifiant (%d au maximum en même temps) : fermez-en une, ou attendez la fin de vos transferts", "too many connections open with this login (at most %d at once): close one, or wait for your transfers to end"}
	TooManyChannels         = T{"trop de sessions ouvertes sur cette connexion (%d au maximum) : fermez-en une, ou ouvrez une nouvelle connexion", "too many sessions open on this connection (at most %d): close one, or open a new connection"}
	OnlySFTPChannels        = T{"ce serveur ne sert que des sessions SFTP", "only SFTP sessions are served"}
	OnlySFTP                = T{"Ce serveur ne fournit que SFTP : utilisez un client SFTP comme FileZilla, WinSCP ou sftp.", "This server only provides SFTP: use an SFTP client such as FileZilla, WinSCP or sftp."}
	Banned                  = T{"trop de connexions refusées depuis votre adresse : réessayez plus tard", "too many failed logins from your address: try again later"}
)

// Why the server closes a logged-in connection, told to the user before
// it does (FTP 421, SSH channel's error stream).
var (
	KickIdle        = T{"connexion fermée après %d minutes sans activité", "connection closed after %d minutes without activity"}
	KickDeleted     = T{"connexion fermée : ce compte a été supprimé", "connection closed: this account was deleted"}
	KickDisabled    = T{"connexion fermée : ce compte a été désactivé ; contactez votre organisme de formation", "connection closed: this account was disabled; please contact your training centre"}
	KickExpired     = T{"connexion fermée : ce compte a expiré ; contactez votre organisme de formation", "connection closed: this account has expired; please contact your training centre"}
	KickCredentials = T{"connexion fermée : le mot de passe ou les clés de ce compte ont changé ; reconnectez-vous", "connection closed: this account's password or keys changed; please log in again"}
	KickRole        = T{"connexion fermée : les dossiers de ce compte ont changé ; reconnectez-vous", "connection closed: this account's folders changed; please log in again"}
	KickShutdown    = T{"connexion fermée : le serveur redémarre ; reconnectez-vous dans une minute", "connection closed: the server is restarting; please reconnect in a minute"}
)
