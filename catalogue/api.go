package catalogue

// What the REST API (package api) and `dossierd apikey` say: the refusals
// of a key, the problems (RFC 9457) a script reads in "title" and
// "detail", and the lines of the command.

// API keys (package auth, `dossierd apikey`).
var (
	APIScopeUnknown  = T{"portée %q inconnue (portées possibles : %s)", "unknown scope %q (scopes: %s)"}
	APIScopeNone     = T{"donnez au moins une portée avec --scope (parmi %s)", "give at least one scope with --scope (among %s)"}
	APIKeyBadName    = T{"nom de clé %q refusé : lettres sans accent, chiffres, '.', '_', '-', %d caractères au maximum", "API key name %q refused: ASCII letters, digits, '.', '_', '-', at most %d characters"}
	APIKeyExists     = T{"une clé d'API active s'appelle déjà %q (révoquez-la d'abord)", "an active API key is already named %q (revoke it first)"}
	APIKeyNotFound   = T{"aucune clé d'API active ne s'appelle %q", "no active API key named %q"}
	APIKeyUnknownErr = T{"clé d'API inconnue", "unknown API key"}
	APIKeyRevokedErr = T{"clé d'API révoquée", "API key revoked"}
	APIKeyExpiredErr = T{"la clé d'API %q a expiré le %s", "API key %q expired on %s"}
	APIKeyAdded      = T{"clé d'API %q créée (portées : %s ; expire : %s). Elle n'est affichée qu'une fois ; conservez-la maintenant :", "API key %q added (scopes: %s; expires: %s). It is shown only once; keep it now:"}
	APIKeyNever      = T{"jamais", "never"}
	APIKeyRevoked    = T{"clé d'API %q révoquée", "API key %q revoked"}
	APIKeyActive     = T{"active", "active"}
	APIKeyExpired    = T{"expirée", "expired"}
	APIKeyIsRevoked  = T{"révoquée", "revoked"}
	HeadScopes       = T{"PORTÉES", "SCOPES"}
	HeadCreated      = T{"CRÉÉE LE", "CREATED"}
	HeadLastUsed     = T{"DERNIER USAGE", "LAST USED"}
)

// The problems of the REST API: a title per kind of refusal, the detail
// says what exactly.
var (
	ProblemUnauthorized   = T{"Clé d'API absente ou refusée", "Missing or refused API key"}
	ProblemNoKey          = T{"donnez une clé d'API dans l'en-tête « Authorization: Bearer <clé> »", "give an API key in the header \"Authorization: Bearer <key>\""}
	ProblemBadKey         = T{"cette clé d'API est inconnue, révoquée ou expirée", "this API key is unknown, revoked or expired"}
	ProblemForbidden      = T{"Portée manquante", "Missing scope"}
	ProblemScope          = T{"cette clé d'API n'a pas la portée %q", "this API key lacks the scope %q"}
	ProblemBanned         = T{"Adresse bannie", "Address banned"}
	ProblemBannedDetail   = T{"trop d'échecs depuis cette adresse ; réessayez après %s", "too many failures from this address; try again after %s"}
	ProblemNotFound       = T{"Introuvable", "Not found"}
	ProblemNoRoute        = T{"aucune route de l'API ne correspond à %s %s", "no route of the API matches %s %s"}
	ProblemMethod         = T{"Méthode non permise", "Method not allowed"}
	ProblemMethodDetail   = T{"%s n'est pas permis sur %s", "%s is not allowed on %s"}
	ProblemBadRequest     = T{"Requête invalide", "Bad request"}
	ProblemMalformed      = T{"JSON mal formé à l'octet %d (ligne %d) : %s", "malformed JSON at byte %d (line %d): %s"}
	ProblemTruncated      = T{"JSON incomplet : le corps s'arrête avant la fin du document", "incomplete JSON: the body ends before the document does"}
	ProblemJSONType       = T{"%s attendu ici, %s trouvé", "expected %s here, found %s"}
	ProblemJSONUnknown    = T{"champ inconnu %q", "unknown field %q"}
	ProblemJSONTrailing   = T{"du texte suit le document JSON", "text follows the JSON document"}
	ProblemNotObject      = T{"le corps doit être un objet JSON", "the body must be a JSON object"}
	ProblemInvalid        = T{"Contenu refusé", "Content refused"}
	ProblemInvalidN       = T{"%d problèmes ; rien n'a été modifié", "%d problems; nothing was changed"}
	ProblemLoginMismatch  = T{"l'identifiant du corps (%q) n'est pas celui du chemin (%q)", "the login of the body (%q) is not that of the path (%q)"}
	ProblemCodeMismatch   = T{"le code du corps (%q) n'est pas celui du chemin (%q)", "the code of the body (%q) is not that of the path (%q)"}
	ProblemConflict       = T{"Conflit", "Conflict"}
	ProblemPrecondition   = T{"Précondition non remplie", "Precondition failed"}
	ProblemForbiddenPath  = T{"Opération refusée", "Operation refused"}
	ProblemTooLarge       = T{"Fichier trop volumineux", "File too large"}
	ProblemNoSpace        = T{"Espace insuffisant", "Insufficient storage"}
	ProblemServer         = T{"Erreur du serveur", "Server error"}
	ProblemServerDetail   = T{"le serveur n'a pas pu traiter la demande ; le journal du serveur en donne la cause", "the server could not handle the request; its log says why"}
	ProblemBusy           = T{"Serveur occupé", "Server busy"}
	ProblemChecksum       = T{"Somme de contrôle différente", "Checksum mismatch"}
	ProblemChecksumDetail = T{"le SHA-256 reçu est %s, l'en-tête annonçait %s ; rien n'a été enregistré", "the SHA-256 received is %s, the header announced %s; nothing was stored"}
	ProblemChecksumHeader = T{"en-tête %s illisible : %s attendu", "header %s unreadable: expected %s"}
	ProblemBadQuery       = T{"paramètre %s %q : %s attendu", "parameter %s %q: expected %s"}
	ProblemFilePath       = T{"un fichier se désigne par un chemin qui ne finit pas par « / »", "a file is named by a path that does not end in \"/\""}
	ProblemEnrollRole     = T{"rôle %q : client, trainee ou trainer attendu", "role %q: expected client, trainee or trainer"}
	ProblemInviteHours    = T{"hours %d : un lien vaut de 1 à %d heures", "hours %d: a link lasts 1 to %d hours"}
	ProblemNoMailer       = T{"aucun relais de messagerie n'est configuré (smtp.host) : demandez le lien sans « send » et transmettez-le vous-même", "no mail relay is configured (smtp.host): ask for the link without \"send\" and pass it on yourself"}
	ProblemNoEmail        = T{"le compte %q n'a pas d'adresse électronique : donnez-la (champ « email ») ou demandez le lien sans « send »", "account %q has no email address: give one (field \"email\") or ask for the link without \"send\""}
	ProblemMailFailed     = T{"le lien est créé mais le courriel n'est pas parti : %v", "the link was made but the email was not sent: %v"}
)
