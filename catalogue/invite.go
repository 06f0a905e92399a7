package catalogue

import "time"

// Invitation links (package auth), `dossierd account invite`, and the
// mails that carry the links (package mailer). The link's page is the
// web's (httpd); what it says when a link cannot serve is here, because
// the store's errors carry it.

// Why a link cannot serve, as the person who opened it reads it: what
// happened, and what to do.
var (
	InvitationUnknown  = T{"Ce lien n'est pas valable. Vérifiez que vous avez ouvert l'adresse entière reçue par courriel ; sinon, demandez un nouveau lien à votre organisme de formation.", "This link is not valid. Check that you opened the whole address you received by email; otherwise, ask your training centre for a new link."}
	InvitationUsed     = T{"Ce lien a déjà servi : un mot de passe a été choisi avec lui. Connectez-vous avec ce mot de passe ; si vous l'avez oublié, demandez un nouveau lien.", "This link has already been used: a password was chosen with it. Log in with that password; if you forgot it, ask for a new link."}
	InvitationExpired  = T{"Ce lien a expiré le %s ; demandez un nouveau lien (« Mot de passe oublié » sur la page de connexion, ou votre organisme de formation).", "This link expired on %s; ask for a new link (\"Forgot password\" on the login page, or your training centre)."}
	InvitationReplaced = T{"Un lien plus récent vous a été envoyé : celui-ci ne sert plus. Ouvrez le dernier lien reçu.", "A newer link was sent to you: this one no longer works. Open the latest link you received."}
	// The sentinels, as they read alone (errors.Is finds them behind the
	// sentences above).
	ErrInvitationUnknown  = T{"lien d'invitation inconnu", "unknown invitation link"}
	ErrInvitationUsed     = T{"lien d'invitation déjà utilisé", "invitation link already used"}
	ErrInvitationExpired  = T{"lien d'invitation expiré", "invitation link expired"}
	ErrInvitationReplaced = T{"lien d'invitation remplacé par un plus récent", "invitation link replaced by a newer one"}
	InvitationTTL         = T{"durée de validité d'un lien : %v (elle doit être positive)", "a link's lifetime: %v (it must be positive)"}
)

// dateTimeLayout is how a moment reads in a sentence, server local time.
var dateTimeLayout = T{"02/01/2006 à 15:04", "2006-01-02 15:04"}

// DateTime writes t as a date and time in the server's local time, in the
// current language: "07/12/2026 à 14:05".
func DateTime(t time.Time) string { return t.Local().Format(dateTimeLayout.F()) }

// dossierd account invite.
var (
	InviteHours     = T{"--hours %d : un lien vaut de 1 à 720 heures (30 jours)", "--hours %d: a link lasts 1 to 720 hours (30 days)"}
	InviteNoBase    = T{"aucune adresse pour les liens : le serveur web n'a aucune binding (httpd.bindings) ; donnez l'adresse publique du site dans httpd.base_url (par exemple https://depot.example.fr)", "no address for links: the web server has no binding (httpd.bindings); give the site's public address in httpd.base_url (e.g. https://depot.example.fr)"}
	InviteNoEmail   = T{"le compte %q n'a pas d'adresse électronique : donnez-la avec « dossierd account set %s --email ADRESSE », ou transmettez vous-même le lien (sans --send)", "account %q has no email address: give it with \"dossierd account set %s --email ADDRESS\", or pass the link on yourself (without --send)"}
	InviteNoSMTP    = T{"aucun relais de messagerie : renseignez smtp.host (et smtp.from, smtp.port, smtp.encryption) dans la configuration, ou transmettez vous-même le lien (sans --send)", "no mail relay: set smtp.host (and smtp.from, smtp.port, smtp.encryption) in the configuration, or pass the link on yourself (without --send)"}
	InviteLink      = T{"Lien pour que %q choisisse son mot de passe, valable une fois jusqu'au %s (les liens précédents de ce compte ne servent plus) :", "Link for %q to choose a password, usable once until %s (this account's earlier links no longer work):"}
	InviteSent      = T{"Lien pour que %q choisisse son mot de passe envoyé à %s, valable une fois jusqu'au %s (les liens précédents de ce compte ne servent plus) :", "Link for %q to choose a password sent to %s, usable once until %s (this account's earlier links no longer work):"}
	InviteSendError = T{"le courriel à %s n'est pas parti (%w) ; le lien ci-dessus reste valable : transmettez-le vous-même, ou réessayez", "the mail to %s was not sent (%w); the link above stays valid: pass it on yourself, or try again"}
	AccountSetNone  = T{"rien à changer : donnez --email, --name ou --expires", "nothing to change: give --email, --name or --expires"}
	AccountSetDone  = T{"compte %q modifié", "account %q changed"}
	HeadEmail       = T{"ADRESSE ÉLECTRONIQUE", "EMAIL"}
	// dossierd enroll SESSION trainee REF --client REF.
	EnrolledFor = T{"%s %s inscrit à %s, envoyé par le client %s", "%s %s enrolled in %s, sent by client %s"}
)

// The mails (package mailer): plain text. The link is alone on its line,
// so that every mail program makes it clickable.
var (
	MailGreeting       = T{"Bonjour %s,", "Hello %s,"}
	MailGreetingNoName = T{"Bonjour,", "Hello,"}
	InviteSubject      = T{"Choisissez le mot de passe de votre espace privé", "Choose the password of your private space"}
	InviteBody         = T{"Un accès à l'espace privé de votre organisme de formation a été ouvert pour vous : vous y retrouverez vos sessions et leurs documents.\n\nPour choisir votre mot de passe, ouvrez ce lien (il ne sert qu'une fois) :", "Access to your training centre's private space has been opened for you: there you will find your sessions and their documents.\n\nTo choose your password, open this link (it works only once):"}
	ResetSubject       = T{"Mot de passe oublié : choisissez-en un nouveau", "Forgot password: choose a new one"}
	ResetBody          = T{"Quelqu'un (vous, sans doute) a demandé un nouveau mot de passe pour votre espace privé.\n\nPour le choisir, ouvrez ce lien (il ne sert qu'une fois) :", "Someone (you, most likely) asked for a new password for your private space.\n\nTo choose it, open this link (it works only once):"}
	MailExpires        = T{"Ce lien expire le %s. Passé ce délai, demandez-en un nouveau.", "This link expires on %s. After that, ask for a new one."}
	InviteIgnore       = T{"Si vous n'attendiez pas ce message, ignorez-le : rien ne change tant que le lien n'est pas ouvert.", "If you did not expect this message, ignore it: nothing changes unless the link is opened."}
	ResetIgnore        = T{"Si vous n'avez rien demandé, ignorez ce message : votre mot de passe actuel reste valable.", "If you did not ask for anything, ignore this message: your current password stays valid."}
	MailAutomatic      = T{"Message envoyé automatiquement, merci de ne pas y répondre.", "This message was sent automatically; please do not reply."}
)

// Why a mail was not sent, for the administrator (the CLI) or the web's
// log. The relay's own words follow (%w).
var (
	MailNotConfigured = T{"aucun relais de messagerie configuré (smtp.host)", "no mail relay configured (smtp.host)"}
	MailBadAddress    = T{"%q n'est pas une adresse électronique", "%q is not an email address"}
	MailClearAuth     = T{"smtp.encryption vaut 0 et smtp.user est renseigné : le mot de passe du relais %s passerait en clair ; choisissez smtp.encryption 2 (STARTTLS) ou 1 (TLS)", "smtp.encryption is 0 and smtp.user is set: the password for relay %s would cross the network in clear; choose smtp.encryption 2 (STARTTLS) or 1 (TLS)"}
	MailNoSTARTTLS    = T{"le relais %s ne propose pas STARTTLS, que smtp.encryption 2 exige ; rien n'a été envoyé", "relay %s does not offer STARTTLS, which smtp.encryption 2 requires; nothing was sent"}
	MailNoAuth        = T{"le relais %s ne propose pas d'authentification (AUTH), que smtp.user demande", "relay %s offers no authentication (AUTH), which smtp.user asks for"}
	MailTimeout       = T{"pas de réponse en %v (%w)", "no answer within %v (%w)"}
	MailRelay         = T{"relais de messagerie %s : %w", "mail relay %s: %w"}
)
