package catalogue

// The filename policy's explanations (package names). A refusal reads
// `name "<name>" refused: <reason> (use <allowed>); try "<suggestion>"`.
var (
	NameRefused       = T{"nom %s refusé : %s", "name %s refused: %s"}
	NameUse           = T{" (utilisez %s)", " (use %s)"}
	NameTry           = T{" ; essayez %s", "; try %s"}
	NameEmpty         = T{"le nom est vide", "the name is empty"}
	NameInvalid       = T{"%q n'est pas un nom valide", "%q is not a valid name"}
	NameSlash         = T{`un nom ne peut pas contenir "/"`, `a name cannot contain "/"`}
	NameControlChar   = T{"le caractère de contrôle %s n'est pas autorisé", "the control character %s is not allowed"}
	NameInvisibleChar = T{"le caractère invisible %s n'est pas autorisé", "the invisible character %s is not allowed"}
	NameChar          = T{"le caractère %s n'est pas autorisé", "the character %s is not allowed"}
	NameByte          = T{"octet 0x%02X", "byte 0x%02X"}
	NameNotUTF8       = T{"le nom n'est pas en UTF-8 valide (%s à la position %d)", "the name is not valid UTF-8 (%s at position %d)"}
	NameStartSpace    = T{"un nom ne peut pas commencer par une espace", "a name cannot start with a space"}
	NameStartWith     = T{"un nom ne peut pas commencer par %q", "a name cannot start with %q"}
	NameEndSpace      = T{"un nom ne peut pas finir par une espace", "a name cannot end with a space"}
	NameEndDot        = T{`un nom ne peut pas finir par "."`, `a name cannot end with "."`}
	NameReserved      = T{"%q est un nom réservé sous Windows", "%q is a reserved name on Windows"}
	NameTooLong       = T{"le nom fait %d octets ; la limite est %d", "the name is %d bytes long; the limit is %d"}
	// The allowed set, as in SPEC's example: "letters, digits, spaces and
	// - _ . ( )". French says the letters must be without accents, the
	// refusal users meet most.
	AllowedLetters = T{"des lettres sans accent", "letters"}
	AllowedDigits  = T{"des chiffres", "digits"}
	AllowedSpaces  = T{"des espaces", "spaces"}
	AllowedAnd     = T{" et ", " and "}
)
