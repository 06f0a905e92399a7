package catalogue

// What back-office staff read when the directory (package auth) refuses a
// change: validation errors, missing or duplicate accounts and sessions,
// the database's own refusals. Roles (client, trainee, trainer, staff)
// are the codes staff type after --role, and stay as they are.

// Fields, by the key auth's ValidationError carries (and tests compare).
var fields = map[string]T{
	"login":          T{"identifiant", "login"},
	"role":           T{"rôle", "role"},
	"ref":            T{"référence", "ref"},
	"name":           T{"nom", "name"},
	"email":          T{"adresse électronique", "email"},
	"client":         T{"client", "client"},
	"public key":     T{"clé publique", "public key"},
	"password":       T{"mot de passe", "password"},
	"password hash":  T{"empreinte du mot de passe", "password hash"},
	"session code":   T{"code de session", "session code"},
	"session folder": T{"dossier de session", "session folder"},
	"session title":  T{"intitulé de session", "session title"},
	"start date":     T{"date de début", "start date"},
	"end date":       T{"date de fin", "end date"},
	"expiry date":    T{"date d'expiration", "expiry date"},
}

// Field is the words of a field key; an unknown key is shown as it is.
func Field(key string) string {
	if t, ok := fields[key]; ok {
		return t.F()
	}
	return key
}

// A validation error reads `<field> "<value>" <what is wrong>`; in French
// the problem follows a colon. The first argument is Field(key).
var (
	FieldValueSays = T{"%s %q : %s", "%s %q %s"}
	FieldSays      = T{"%s : %s", "%s %s"}
	FieldValue     = T{"%s %q", "%s %q"}
	// Because adds a cause from elsewhere (the filename policy, the key
	// parser) to a sentence.
	Because = T{"%s : %s", "%s: %s"}
)

// What is wrong with a value (ValidationError.Msg).
var (
	MustNotBeEmpty     = T{"ne peut pas être vide", "must not be empty"}
	IsEmpty            = T{"est vide", "is empty"}
	IsRequired         = T{"obligatoire", "is required"}
	LongerThan         = T{"trop long (%d caractères au maximum)", "is longer than %d characters"}
	LoginChar          = T{"le caractère %q n'est pas autorisé (autorisés : lettres sans accent, chiffres, '.', '_', '-', '@')", "contains %q (allowed: ASCII letters, digits, '.', '_', '-', '@')"}
	RoleRequired       = T{"obligatoire (%s)", "is required (one of %s)"}
	RoleUnknown        = T{"inconnu (rôles possibles : %s)", "is not one of %s"}
	EnrollRoleRequired = T{"obligatoire (client, trainee ou trainer)", "is required (one of client, trainee, trainer)"}
	EnrollRoleRefused  = T{"ne peut pas être inscrit à une session (seulement client, trainee, trainer)", "cannot be enrolled (only client, trainee, trainer)"}
	NotUsableName      = T{"n'est pas un nom utilisable", "is not a usable name"}
	MustNotSlash       = T{`ne doit pas contenir "/"`, `must not contain "/"`}
	MustNotNUL         = T{"ne doit pas contenir d'octet NUL", "must not contain a NUL byte"}
	NotUTF8            = T{"n'est pas en UTF-8 valide", "is not valid UTF-8"}
	MustNotControl     = T{"ne doit pas contenir de caractères de contrôle", "must not contain control characters"}
	NotDate            = T{"n'est pas une date de la forme AAAA-MM-JJ", "is not a date of the form YYYY-MM-DD"}
	RefStaff           = T{"doit être vide pour un compte staff", "must be empty for staff"}
	RefRequiredFor     = T{"obligatoire pour un compte %s", "is required for a %s account"}
	EndBeforeStart     = T{"est antérieure à la date de début %s", "is before the start date %s"}
	NotEmail           = T{"n'est pas une adresse électronique (de la forme nom@domaine.fr, sans autre texte)", "is not an email address (of the form name@example.org, nothing else)"}
	ClientNotTrainee   = T{"seule l'inscription d'un stagiaire (trainee) nomme le client qui l'envoie", "only a trainee's enrollment names the client that sent them"}
	PasswordAndHash    = T{"donné en même temps qu'une empreinte de mot de passe ; n'en donnez qu'un", "and password hash are both given; give one"}
)

// SSH public keys (auth.ParsePublicKey).
var (
	KeyOneLine     = T{"doit tenir sur une seule ligne", "must be a single line"}
	KeyComment     = T{"est un commentaire, pas une clé", "is a comment, not a key"}
	KeyOptions     = T{"a des options (%s), qui ne sont pas prises en charge", "has options (%s), which are not supported"}
	KeySeveral     = T{"contient plus d'une clé", "holds more than one key"}
	KeyCertificate = T{"est un certificat ; donnez la clé publique simple", "is a certificate; give the plain public key"}
	KeyPEM         = T{"est un bloc PEM (une clé privée ?), pas une ligne authorized_keys", "is a PEM block (a private key?), not an authorized_keys line"}
	KeyForm        = T{`n'est pas de la forme "TYPE BASE64 [COMMENTAIRE]"`, `is not of the form "TYPE BASE64 [COMMENT]"`}
	KeyBase64      = T{"a des données de clé qui ne sont pas en base64 valide (après %q)", "has key data that is not valid base64 (after %q)"}
	KeyData        = T{"a des données de clé invalides (%v)", "has invalid key data (%v)"}
	KeyTypeClash   = T{"annonce %q mais ses données sont celles d'une clé %q", "says %q but its key data is %q"}
	KeyInvalid     = T{"n'est pas une ligne authorized_keys valide", "is not a valid authorized_keys line"}
)

// Password hashes given by an import or an administrator. The hash itself
// is never quoted: it is as sensitive as a password file.
var (
	HashEmpty        = T{"est vide", "is empty"}
	HashBcrypt       = T{"n'est pas une empreinte bcrypt valide : %v", "is not a valid bcrypt hash: %v"}
	HashNotArgon     = T{"n'est pas une chaîne PHC argon2id ($argon2id$v=19$m=…,t=…,p=…$sel$empreinte)", "is not an argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)"}
	HashArgonVersion = T{"a la version argon2 %q ; seule v=19 est prise en charge", "has argon2 version %q; only v=19 is supported"}
	HashArgonParams  = T{"a des paramètres argon2 mal formés %q", "has malformed argon2 parameters %q"}
	HashParallelism  = T{"a un parallélisme argon2 de %d (255 au maximum)", "has argon2 parallelism %d (at most 255)"}
	HashArgonParam   = T{"a un paramètre argon2 non pris en charge %q", "has unsupported argon2 parameter %q"}
	HashArgonLacks   = T{"n'a pas tous les paramètres argon2 m, t, p", "lacks one of the argon2 parameters m, t, p"}
	HashParallelism0 = T{"a un parallélisme argon2 de 0", "has argon2 parallelism 0"}
	HashTime         = T{"a un coût en temps argon2 de %d (de 1 à %d)", "has argon2 time cost %d (allowed 1 to %d)"}
	HashMemory       = T{"a une mémoire argon2 de %d Kio (de %d à %d)", "has argon2 memory %d KiB (allowed %d to %d)"}
	HashSalt64       = T{"a un sel qui n'est pas en base64", "has a salt that is not base64"}
	HashHash64       = T{"a une empreinte qui n'est pas en base64", "has a hash that is not base64"}
	HashSaltLen      = T{"a un sel de %d octets (de %d à %d)", "has a %d-byte salt (allowed %d to %d)"}
	HashKeyLen       = T{"a une empreinte de %d octets (de %d à %d)", "has a %d-byte hash (allowed %d to %d)"}
	HashNotBcrypt    = T{"n'est pas une empreinte bcrypt ($2b$NN$ puis 53 caractères de sel et d'empreinte)", "is not a bcrypt hash ($2b$NN$ and 53 characters of salt and hash)"}
	HashBcryptCost   = T{"a un coût bcrypt de %d (de %d à %d)", "has bcrypt cost %d (allowed %d to %d)"}
	HashFormat       = T{"a un format non pris en charge %q (pris en charge : $argon2id$, $2a$, $2b$, $2y$)", "has unsupported format %q (supported: $argon2id$, $2a$, $2b$, $2y$)"}
)

// The directory's sentinel errors, as they read alone; the store wraps
// them in sentences that name the account or session.
var (
	ErrNotFound           = T{"introuvable", "not found"}
	ErrExists             = T{"existe déjà", "already exists"}
	ErrInvalidCredentials = T{"identifiant ou mot de passe invalide", "invalid login or password"}
	ErrInvalidKey         = T{"identifiant ou clé publique invalide", "invalid login or public key"}
	ErrDisabled           = T{"le compte est désactivé", "account is disabled"}
	ErrExpired            = T{"le compte a expiré", "account has expired"}
)

// Accounts, sessions and enrollments that are missing or already there.
var (
	AccountIsDisabled  = T{"le compte %q est désactivé", "account %q is disabled"}
	AccountHasExpired  = T{"le compte %q a expiré (son dernier jour était le %s)", "account %q has expired (last day was %s)"}
	NoAccount          = T{"le compte %q n'existe pas", "no account %q"}
	AccountExists      = T{"le compte %q existe déjà", "account %q already exists"}
	AccountExistsAs    = T{"le compte %q existe déjà (sous la forme %q)", "account %q already exists (as %q)"}
	NoSession          = T{"la session %q n'existe pas", "no session %q"}
	SessionExists      = T{"la session %q existe déjà", "session %q already exists"}
	SessionExistsAs    = T{"la session %q existe déjà (sous la forme %q)", "session %q already exists (as %q)"}
	SessionFolderUsed  = T{"le dossier de session %q est déjà utilisé", "session folder %q is already used"}
	SessionFolderOf    = T{"le dossier de session %q est déjà utilisé par la session %q", "session folder %q is already used by session %q"}
	NoAccountWithRef   = T{"aucun compte %s n'a la référence %q", "no %s account with ref %q"}
	NotEnrolled        = T{"%s %q n'est pas inscrit à la session %q", "%s %q is not enrolled in session %q"}
	AccountFolderErr   = T{"impossible de créer le dossier de %s %q : %w", "creating the folder of %s %q: %w"}
	SessionFoldersErr  = T{"impossible de créer les dossiers de la session %q : %w", "creating the folders of session %q: %w"}
	EnrollFolderErr    = T{"impossible de créer le dossier de %s %q dans la session %q : %w", "creating the folder of %s %q in session %q: %w"}
	BackupFileExists   = T{"%s existe déjà (utilisez --force pour le remplacer)", "%s already exists (use --force to replace it)"}
	BackupCopyErr      = T{"impossible de copier la base : %w", "copying the database: %w"}
	PasswordsCancelled = T{"vérification des mots de passe interrompue", "checking passwords: interrupted"}
)

// The database file itself.
var (
	DatabaseNoPath   = T{"impossible d'ouvrir la base de l'annuaire : aucun chemin donné", "opening directory database: no path given"}
	DatabaseOpen     = T{"impossible d'ouvrir la base de l'annuaire : %w", "opening directory database: %w"}
	DatabaseOpenPath = T{"impossible d'ouvrir la base de l'annuaire %s : %w", "opening directory database %s: %w"}
	DatabaseNewer    = T{"la base a été écrite par une version plus récente de dossierd (schéma %d, cette version connaît %d) : mettez dossierd à jour, ou restaurez une sauvegarde faite par cette version", "the database was written by a newer dossierd (schema %d, this binary knows %d): upgrade dossierd, or restore a backup made by this version"}
	DatabaseErr      = T{"base de l'annuaire : %w", "directory database: %w"}
)
