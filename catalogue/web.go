package catalogue

// Web holds the words of the web pages ("espace privé"), by the key the
// templates name them with ({{t "key"}}). The site's title and the name of
// the sessions page come from httpd.labels instead, as folder names come
// from tree.labels.
var Web = map[string]T{
	"lang":               T{"fr", "en"},
	"skip":               T{"Aller au contenu", "Skip to content"},
	"login.heading":      T{"Connexion", "Log in"},
	"login.login":        T{"Identifiant", "Login"},
	"login.password":     T{"Mot de passe", "Password"},
	"login.submit":       T{"Se connecter", "Log in"},
	"login.failed":       T{"Identifiant ou mot de passe incorrect.", "Wrong login or password."},
	"login.forgot":       T{"Mot de passe oublié ?", "Forgot your password?"},
	"login.ended":        T{"Vous avez été déconnecté : %s", "You were logged out: %s"},
	"login.none":         T{"Vous n'êtes plus connecté : reconnectez-vous dans un autre onglet, puis choisissez à nouveau le fichier.", "You are no longer logged in: log in again in another tab, then choose the file again."},
	"login.loggedout":    T{"Vous êtes déconnecté.", "You are logged out."},
	"logout":             T{"Se déconnecter", "Log out"},
	"nav.files":          T{"Mes fichiers", "My files"},
	"nav.password":       T{"Mot de passe", "Password"},
	"nav.main":           T{"Menu principal", "Main menu"},
	"crumbs":             T{"Vous êtes ici", "You are here"},
	"home":               T{"Accueil", "Home"},
	"files.name":         T{"Nom", "Name"},
	"files.size":         T{"Taille", "Size"},
	"files.date":         T{"Modifié le", "Modified"},
	"files.actions":      T{"Actions", "Actions"},
	"files.empty":        T{"Ce dossier est vide.", "This folder is empty."},
	"files.folder":       T{"dossier", "folder"},
	"files.readonly":     T{"Dossier en lecture seule : vous pouvez télécharger ses fichiers.", "Read-only folder: you can download its files."},
	"files.zip":          T{"Télécharger le dossier (ZIP)", "Download the folder (ZIP)"},
	"files.download":     T{"Télécharger %s", "Download %s"},
	"files.rename":       T{"Renommer", "Rename"},
	"files.rename.to":    T{"Nouveau nom de %s", "New name of %s"},
	"files.delete":       T{"Supprimer", "Delete"},
	"files.delete.ask":   T{"Supprimer %s ?", "Delete %s?"},
	"files.mkdir":        T{"Nouveau dossier", "New folder"},
	"files.mkdir.name":   T{"Nom du dossier", "Folder name"},
	"files.mkdir.submit": T{"Créer", "Create"},
	"files.done.mkdir":   T{"Dossier %q créé.", "Folder %q created."},
	"files.done.rename":  T{"%q renommé en %q.", "%q renamed to %q."},
	"files.done.delete":  T{"%q supprimé.", "%q deleted."},
	"upload.heading":     T{"Envoyer des fichiers", "Upload files"},
	"upload.pick":        T{"Choisir des fichiers", "Choose files"},
	"upload.drop":        T{"ou déposez-les ici", "or drop them here"},
	"upload.hint":        T{"Un envoi interrompu reprend là où il s'est arrêté : choisissez à nouveau le même fichier.", "An interrupted upload resumes where it stopped: choose the same file again."},
	"upload.waiting":     T{"en attente", "waiting"},
	"upload.sending":     T{"envoi…", "uploading…"},
	"upload.resuming":    T{"reprise à %s", "resuming at %s"},
	"upload.done":        T{"envoyé", "uploaded"},
	"upload.failed":      T{"échec", "failed"},
	"upload.as":          T{"Envoyer sous le nom", "Upload as"},
	"upload.retry":       T{"La connexion a été coupée ; nouvel essai…", "The connection was cut; trying again…"},
	"upload.replace":     T{"%s existe déjà dans ce dossier : le remplacer ?", "%s already exists in this folder: replace it?"},
	"upload.noscript":    T{"L'envoi de fichiers demande JavaScript.", "Uploading files needs JavaScript."},
	"sessions.none":      T{"Vous ne participez à aucune session pour le moment.", "You take part in no session at the moment."},
	"sessions.dates":     T{"du %s au %s", "from %s to %s"},
	"sessions.from":      T{"à partir du %s", "from %s"},
	"sessions.until":     T{"jusqu'au %s", "until %s"},
	"sessions.documents": T{"Documents de la session", "Session documents"},
	"sessions.people":    T{"Participants", "Participants"},
	"sessions.sent":      T{"Participants que vous avez inscrits", "Participants you enrolled"},
	"sessions.nobody":    T{"Aucun participant.", "No participants."},
	"sessions.open":      T{"Ouvrir", "Open"},
	"password.heading":   T{"Changer de mot de passe", "Change password"},
	"password.current":   T{"Mot de passe actuel", "Current password"},
	"password.new":       T{"Nouveau mot de passe", "New password"},
	"password.confirm":   T{"Confirmez le nouveau mot de passe", "Confirm the new password"},
	"password.rule":      T{"Au moins %d caractères, différent de votre identifiant.", "At least %d characters, not your login."},
	"password.submit":    T{"Enregistrer", "Save"},
	"password.short":     T{"Le mot de passe doit faire au moins %d caractères.", "The password must be at least %d characters long."},
	"password.login":     T{"Le mot de passe ne doit pas être votre identifiant.", "The password must not be your login."},
	"password.mismatch":  T{"Les deux mots de passe ne sont pas identiques.", "The two passwords differ."},
	"password.wrong":     T{"Le mot de passe actuel est incorrect.", "The current password is wrong."},
	"password.changed":   T{"Mot de passe changé. Connectez-vous avec le nouveau mot de passe.", "Password changed. Log in with the new password."},
	"invite.heading":     T{"Choisissez votre mot de passe", "Choose your password"},
	"invite.for":         T{"Compte : %s", "Account: %s"},
	"invite.done":        T{"Votre mot de passe est enregistré. Vous pouvez vous connecter.", "Your password is saved. You can log in."},
	"forgot.heading":     T{"Mot de passe oublié", "Forgotten password"},
	"forgot.explain":     T{"Indiquez votre identifiant : si un compte lui correspond, un lien pour choisir un nouveau mot de passe est envoyé à son adresse e-mail.", "Enter your login: if an account matches it, a link to choose a new password is sent to its email address."},
	"forgot.submit":      T{"Envoyer le lien", "Send the link"},
	"forgot.sent":        T{"Si ce compte existe et a une adresse e-mail, un lien vient de lui être envoyé. Il est valable %d heures.", "If this account exists and has an email address, a link was just sent to it. It is valid for %d hours."},
	"notfound":           T{"Cette page n'existe pas, ou vous n'y avez pas accès.", "This page does not exist, or you have no access to it."},
	"forbidden":          T{"Requête refusée : rechargez la page et recommencez.", "Request refused: reload the page and try again."},
	"banned":             T{"Trop de connexions refusées depuis votre adresse : réessayez plus tard.", "Too many failed logins from your address: try again later."},
	"error":              T{"Le serveur n'a pas pu répondre. Réessayez dans un instant.", "The server could not answer. Try again in a moment."},
	"back":               T{"Retour", "Back"},
	"unit.b":             T{"o", "B"},
	"unit.kb":            T{"Ko", "KB"},
	"unit.mb":            T{"Mo", "MB"},
	"unit.gb":            T{"Go", "GB"},
	"unit.tb":            T{"To", "TB"},
	"date.format":        T{"02/01/2006 15:04", "2006-01-02 15:04"},
	"upload.unknown":     T{"Cet envoi n'existe plus (terminé, annulé ou expiré) : choisissez à nouveau le fichier.", "This upload no longer exists (finished, cancelled or expired): choose the file again."},
	"upload.toomany":     T{"Trop d'envois inachevés (%d au plus) : attendez la fin des envois en cours, ou reprenez ceux qui ont été interrompus en choisissant à nouveau les mêmes fichiers.", "Too many unfinished uploads (at most %d): wait for those in progress to end, or resume the interrupted ones by choosing the same files again."},
	"upload.offset":      T{"Cet envoi continue à l'octet %d.", "This upload continues at byte %d."},
}

// W formats the web words of key in the current language; an unknown key
// is shown as it is (a slip in a template, still readable).
func W(key string, args ...any) string {
	if t, ok := Web[key]; ok {
		return t.F(args...)
	}
	return key
}

// Why a web session ended, shown on the login page.
var (
	WebSessionExpired  = T{"votre session a atteint sa durée maximale ; reconnectez-vous", "your session reached its maximum length; please log in again"}
	WebPasswordChanged = T{"le mot de passe de ce compte a changé ; reconnectez-vous", "this account's password changed; please log in again"}
)
