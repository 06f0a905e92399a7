package catalogue

import "fmt"

// What back-office staff read when they import the TMS's export (packages
// tmsimport and auth): where each problem is (file, line, field), what it
// is, and the summary of what changed. File names, field and column names
// ("expires_at"), list names ("accounts") and roles are the file's own and
// stay as they are.

// Where a problem is.
var (
	AtLine       = T{"%s ligne %d", "%s line %d"}
	AtItem       = T{"%s %s[%d] (ligne %d)", "%s %s[%d] (line %d)"}
	LineN        = T{"ligne %d", "line %d"}
	StandardIn   = T{"entrée standard", "standard input"}
	ProblemAt    = T{"%s : %s", "%s: %s"}
	FirstAt      = T{" (première fois en %s)", " (first at %s)"}
	FirstAtIndex = T{" (première fois en %s[%d])", " (first at %s[%d])"}
	ProblemLine  = T{"\n  %s[%d] : %s", "\n  %s[%d]: %s"}
	AndMore      = T{"\n  ... et %d de plus", "\n  ... and %d more"}
	ReadingFile  = T{"impossible de lire %s : %w", "reading %s: %w"}
)

// Refusals of a whole import.
var (
	ImportRefused1      = T{"import refusé, rien n'a été modifié (%d problème)", "import refused, nothing was changed (%d problem)"}
	ImportRefusedN      = T{"import refusé, rien n'a été modifié (%d problèmes)", "import refused, nothing was changed (%d problems)"}
	ImportFilesRefused1 = T{"import refusé, l'annuaire n'a pas été modifié (%d problème) :", "import refused, the directory was not changed (%d problem):"}
	ImportFilesRefusedN = T{"import refusé, l'annuaire n'a pas été modifié (%d problèmes) :", "import refused, the directory was not changed (%d problems):"}
	PruneNeedsWhole     = T{"il faut l'annuaire entier : comptes, sessions et inscriptions (les trois fichiers CSV, ou les trois listes du fichier JSON, même vides) ; sinon toutes les sessions ou inscriptions d'une liste manquante seraient masquées ou retirées", "needs the whole directory: accounts, sessions and enrollments (the three CSV files, or the three lists of the JSON file, even empty); otherwise every session or enrollment of a missing list would be hidden or removed"}
)

// Problems of the content, following the field name (auth's import).
var (
	ImportValue            = T{"%q : %s", "%q %s"}
	ImportValueBecause     = T{"%q : %s", "%q: %s"}
	NamePrefix             = T{"nom ", "name "} // how NameRefused starts
	AppearsTwice           = T{"%q apparaît deux fois (sans tenir compte des majuscules)", "%q appears twice, ignoring case"}
	MustBeEmptyStaff       = T{"%q : doit être vide pour un compte staff", "%q must be empty for a staff account"}
	ImportRefRequired      = T{"obligatoire pour un compte %s", "is required for a %s account"}
	PasswordAndHashBoth    = T{"et password_hash sont donnés tous les deux ; n'en donnez qu'un", "and password_hash are both given; give only one"}
	EmptyEntry             = T{"contient une entrée vide", "has an empty entry"}
	BadDate                = T{"%q n'est pas une date de la forme AAAA-MM-JJ", "%q is not a date of the form YYYY-MM-DD"}
	BadDateWrite           = T{"%q n'est pas une date de la forme AAAA-MM-JJ (écrivez %s)", "%q is not a date of the form YYYY-MM-DD (write %s)"}
	FolderOfTwo            = T{"%q est le dossier de deux sessions (sans tenir compte des majuscules)", "%q is the folder of two sessions, ignoring case"}
	EndsBeforeStarts       = T{"%q est antérieure à starts_on %q", "%q is before starts_on %q"}
	ImportRequired         = T{"obligatoire", "is required"}
	FolderOfStored         = T{"%q est déjà le dossier de la session %q, qui n'est pas dans le fichier", "%q is already the folder of session %q, which is not in the file"}
	SessionPruned          = T{"%q n'est pas dans le fichier (avec --prune, les sessions absentes du fichier sont masquées et on ne peut pas y inscrire)", "%q is not in the file (with --prune, sessions absent from the file are hidden and cannot be enrolled in)"}
	SessionNowhere         = T{"%q n'est ni dans le fichier ni dans l'annuaire", "%q is neither in the file nor in the directory"}
	RefPruned              = T{"%q n'a pas de compte %s dans le fichier (avec --prune, les comptes absents du fichier sont désactivés et ne comptent pas)", "%q has no %s account in the file (with --prune, accounts absent from the file are disabled and do not count)"}
	ImportClientNotTrainee = T{"%q : seule l'inscription d'un stagiaire nomme le client qui l'envoie, pas celle d'un %s", "%q: only a trainee's enrollment names the client that sent them, not a %s's"}
	ClientsDiffer          = T{"%q, alors que la même inscription plus haut dit %q", "%q, while the same enrollment above says %q"}
	RefNowhere             = T{"%q n'a de compte %s ni dans le fichier ni dans l'annuaire", "%q has no %s account, neither in the file nor in the directory"}
)

// Problems of the files themselves (tmsimport).
var (
	NotUTF16         = T{"le fichier commence comme du texte UTF-16 mais n'en est pas : %v", "the file starts like UTF-16 text but is not: %v"}
	NotUTF8Nor1252   = T{`le fichier n'est ni en UTF-8 ni en Windows-1252 (octet 0x%02X ligne %d) ; enregistrez-le en "CSV UTF-8"`, `the file is neither UTF-8 nor Windows-1252 (byte 0x%02X on line %d); save it as "CSV UTF-8"`}
	Not1252          = T{"le fichier ne peut pas être lu en Windows-1252 : %v", "the file cannot be read as Windows-1252: %v"}
	CSVEmpty         = T{"le fichier est vide ; sa première ligne doit nommer les colonnes (%s)", "the file is empty; its first line must name the columns (%s)"}
	CSVNoName        = T{"la colonne %d n'a pas de nom (la première ligne doit nommer chaque colonne)", "column %d has no name (the first line must name every column)"}
	CSVUnknown       = T{"colonne inconnue %q (les colonnes du fichier %s sont %s)", "unknown column %q (the columns of the %s file are %s)"}
	CSVTwice         = T{"la colonne %q apparaît deux fois", "column %q appears twice"}
	CSVMissing       = T{"la colonne %q manque (la première ligne doit nommer les colonnes : %s)", "the column %q is missing (the first line must name the columns: %s)"}
	CSVValues        = T{"a %d valeurs mais la première ligne nomme %d colonnes (une valeur qui contient %q doit être entre guillemets doubles)", "has %d values but the first line names %d columns (a value containing %q must be put in double quotes)"}
	CSVBool          = T{"%q n'est pas une valeur oui/non (écrivez true ou false, 1 ou 0, oui ou non)", "%q is not a yes/no value (write true or false, 1 or 0, oui or non)"}
	CSVBareQuote     = T{`une valeur contient un guillemet double (") mais ne commence pas par un guillemet : mettez toute la valeur entre guillemets doubles et doublez les guillemets à l'intérieur ("") ; la suite du fichier n'a pas été lue`, `a value contains a double quote (") but does not start with one: put the whole value in double quotes and double the quotes inside (""); the rest of the file was not read`}
	CSVOpenQuote     = T{"une valeur entre guillemets doubles qui commence sur cette ligne n'est pas fermée, ou son guillemet fermant est suivi d'autres caractères ; la suite du fichier n'a pas été lue", "a value in double quotes starting on this line is not closed, or its closing quote is followed by other characters; the rest of the file was not read"}
	CSVUnreadable    = T{"illisible (%v) ; la suite du fichier n'a pas été lue", "cannot be read (%v); the rest of the file was not read"}
	JSONInvalid      = T{"n'est pas du JSON valide : %v", "is not valid JSON: %v"}
	JSONShort        = T{"se termine trop tôt (est-il complet ?)", "ends too early (is it complete?)"}
	JSONNotObject    = T{`doit être un objet JSON : {"accounts": [...], "sessions": [...], "enrollments": [...]}`, `must be a JSON object: {"accounts": [...], "sessions": [...], "enrollments": [...]}`}
	JSONListTwice    = T{"la liste %q apparaît deux fois", "the list %q appears twice"}
	JSONListUnknown  = T{"liste inconnue %q (les listes sont accounts, sessions, enrollments)", "unknown list %q (the lists are accounts, sessions, enrollments)"}
	JSONNotList      = T{"%q doit être une liste [...]", "%q must be a list [...]"}
	JSONTrailing     = T{"a quelque chose après la fin de l'objet JSON", "has something after the end of the JSON object"}
	JSONItemObject   = T{"doit être un objet {...}, pas %s", "must be an object {...}, not %s"}
	JSONFieldUnknown = T{"champ inconnu %q (les champs de %s sont %s)", "unknown field %q (the fields of %s are %s)"}
	JSONText         = T{"doit être du texte entre guillemets doubles, pas %s", "must be text in double quotes, not %s"}
	JSONBool         = T{"doit être true ou false, pas %s", "must be true or false, not %s"}
	JSONKeys         = T{`doit être une liste de clés ["ssh-ed25519 AAAA... commentaire"], pas %s`, `must be a list of keys ["ssh-ed25519 AAAA... comment"], not %s`}
)

// The import's summary and its dry run's changes. French participles
// agree with the kind (un compte, une session, une inscription) and the
// count.
var (
	NothingChanged       = T{"rien n'a changé : %s déjà à jour", "nothing changed: %s already up to date"}
	DryRun               = T{"simulation : %s", "dry run: %s"}
	DryRunNothingWritten = T{"simulation, rien n'a été écrit : %s", "dry run, nothing was written: %s"}
	KindCounts           = T{"%s : %s", "%s: %s"}
	ListSep              = T{", ", ", "}
	KindSep              = T{" ; ", "; "}
	ChangeLine           = T{"%-11s %-9s %s", "%-11s %-9s %s"}
	ChangeFields         = T{"%s : %s", "%s: %s"}
)

// kindWords are the kinds of an import: plural (the summary's heading),
// one and many (after a count), and whether French makes them feminine.
var kindWords = map[string]struct {
	plural, one, many T
	feminine          bool
}{
	"accounts":    {T{"comptes", "accounts"}, T{"%d compte", "%d accounts"}, T{"%d comptes", "%d accounts"}, false},
	"sessions":    {T{"sessions", "sessions"}, T{"%d session", "%d sessions"}, T{"%d sessions", "%d sessions"}, true},
	"enrollments": {T{"inscriptions", "enrollments"}, T{"%d inscription", "%d enrollments"}, T{"%d inscriptions", "%d enrollments"}, true},
}

var kindOne = map[string]T{
	"accounts":    T{"compte", "account"},
	"sessions":    T{"session", "session"},
	"enrollments": T{"inscription", "enrollment"},
}

// opWords are the changes of an import, by auth.Op and "unchanged":
// masculine one, masculine many, feminine one, feminine many.
var opWords = map[string][4]T{
	"added":     {T{"ajouté", "added"}, T{"ajoutés", "added"}, T{"ajoutée", "added"}, T{"ajoutées", "added"}},
	"changed":   {T{"modifié", "changed"}, T{"modifiés", "changed"}, T{"modifiée", "changed"}, T{"modifiées", "changed"}},
	"disabled":  {T{"désactivé", "disabled"}, T{"désactivés", "disabled"}, T{"désactivée", "disabled"}, T{"désactivées", "disabled"}},
	"hidden":    {T{"masqué", "hidden"}, T{"masqués", "hidden"}, T{"masquée", "hidden"}, T{"masquées", "hidden"}},
	"removed":   {T{"retiré", "removed"}, T{"retirés", "removed"}, T{"retirée", "removed"}, T{"retirées", "removed"}},
	"unchanged": {T{"inchangé", "unchanged"}, T{"inchangés", "unchanged"}, T{"inchangée", "unchanged"}, T{"inchangées", "unchanged"}},
}

// Kind is the plural name of an import's kind ("accounts": "comptes").
func Kind(kind string) string {
	if w, ok := kindWords[kind]; ok {
		return w.plural.F()
	}
	return kind
}

// KindOne is the singular name of an import's kind ("accounts": "compte").
func KindOne(kind string) string {
	if t, ok := kindOne[kind]; ok {
		return t.F()
	}
	return kind
}

// KindCount is n items of a kind: "3 comptes", "1 inscription".
func KindCount(kind string, n int) string {
	w, ok := kindWords[kind]
	if !ok {
		return fmt.Sprintf("%d %s", n, kind)
	}
	if n > 1 {
		return w.many.F(n)
	}
	return w.one.F(n)
}

// OpCount is n items of a kind that went through op: "2 ajoutés",
// "1 session masquée" without the noun: "1 masquée".
func OpCount(kind, op string, n int) string {
	return fmt.Sprintf("%d %s", n, Op(kind, op, n))
}

// Op is the participle of op for n items of a kind.
func Op(kind, op string, n int) string {
	w, ok := opWords[op]
	if !ok {
		return op
	}
	i := 0
	if kindWords[kind].feminine {
		i = 2
	}
	if n > 1 {
		i++
	}
	return w[i].F()
}
