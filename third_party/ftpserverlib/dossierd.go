package ftpserver

// dossierd's additions to this fork (see PATCHES.md): the sentences of
// the library's replies, the driver's own refusal text, the MLSx perm
// fact and the FEAT HASH line.

import (
	"errors"
	"os"
	"path"
	"strings"
)

// ReplyTexts are the sentences of the library's replies, in one place:
// the English defaults below keep the fork usable alone; dossierd's ftpd
// replaces them with its catalogue's, in the server's language, before
// serving. A field holding verbs is a format: a translation keeps the
// same verbs in the same order. What is no sentence stays at its call
// site: SYST's "UNIX Type: L8", FEAT and MLSx facts, MFMT's "Modify=",
// HASH and OPTS HASH results, SIZE, MDTM and AVBL figures, STAT's
// "STAT <path>" header and its listing lines, "OK" (NOOP, PROT, REST).
type ReplyTexts struct {
	// Connection and commands (client_handler.go).
	IdleTimeout          string // %d seconds
	UnknownCommand       string // %#v the command
	NotLoggedIn          string // a command before login
	InternalError        string // %s the panic
	CommandError         string // %s the error
	NoTransferConnection string // a transfer without PASV, EPSV, PORT or EPRT
	TransferTLSRequired  string // a clear data connection where TLS is required
	DataConnFailed       string // %v the error (425)
	DeflateFailed        string // %v the error
	TransferOpen         string // 150, a transfer starts
	TransferClosed       string // 226, a transfer ended well
	TransferFailed       string // a transfer whose error is not the driver's

	// Login (handle_auth.go).
	UserOK          string // USER
	UserRejected    string // %v the error
	TLSRequired     string // USER in clear where TLS is required
	TLSVerifyFailed string // %v the error
	TLSCertOK       string // USER logged in by its certificate
	NoDriver        string // PASS without a driver nor an error
	AuthError       string // %v the error
	PassOK          string // PASS

	// Folders (handle_dirs.go).
	CWD             string // CWD, CDUP; followed by the path
	CWDNotDir       string // %s the path
	CWDFailed       string // %v the error
	CDUPFailed      string // %v the error
	MKD             string // "%s" the path, quotes doubled (RFC 959)
	MKDFailed       string // "%s" the path, %v the error
	MissingPath     string // SITE MKDIR, SITE RMDIR
	SiteMKDIR       string // %s the path
	SiteMKDIRFailed string // %s the path, %v the error
	RMD             string // %s the path
	RMDFailed       string // %s the path, %v the error
	SiteRMDIR       string // %s the path
	SiteRMDIRFailed string // %s the path, %v the error
	PWD             string // "%s" the path, quotes doubled (RFC 959)
	ListFailed      string // %v the error: LIST, NLST, MLSD, MLST, STAT
	MLSDDisabled    string
	MLSTDisabled    string

	// Files (handle_files.go).
	OpenFailed       string // %v the error: STOR, APPE, RETR
	SeekFailed       string // %v the error
	COMB             string
	COMBDisabled     string
	COMBParams       string // %v the parameters
	COMBAccessFailed string // %#v the path, %v the error
	COMBFailed       string // %#v the path, %v the error
	COMBDeleteFailed string // %#v the path, %v the error
	COMBCloseFailed  string // %#v the path, %v the error
	SiteCHMOD        string
	BadCommand       string // SITE CHOWN, SITE SYMLINK
	Done             string // SITE CHOWN, SYMLINK, ALLO
	ChownFailed      string // %v the error
	SymlinkFailed    string // %v the error
	DELE             string // %s the path
	DELEFailed       string // %s the path, %v the error
	AccessFailed     string // %s the path, %v the error: RNFR, SIZE, MDTM, AVBL
	RNFR, RNTO       string
	RNTOFailed       string // %s from, %s to, %v the error
	RNTOWithoutRNFR  string
	SIZEASCII        string
	SIZEDir          string // %s the path
	STATFailed       string // %v the error
	FileDetails      string // MLST's first line
	ParseSizeFailed  string // %v the error: ALLO, REST
	ALLOFailed       string // %v the error
	RESTASCII        string
	RESTDeflate      string
	MFMTParams       string // %s the parameters
	MFMTParseFailed  string // %s the time given, %v the error
	MFMTFailed       string // %q the time, %q the path, %v the error
	HASHDisabled     string
	HASHParams       string // %v the parameters
	HASHNotFile      string // %v the path
	HASHComputing    string // %v the algorithm: the first line of the result

	// Miscellaneous (handle_misc.go).
	AUTH              string
	NoTLSConfig       string // %v the error: AUTH, PASV, EPSV
	PBSZ              string // PBSZ (RFC 4217's reply)
	SYSTDisabled      string
	SITEDisabled      string
	SITEUnknown       string // %s the subcommand
	STATDisabled      string
	ServerStatus      string // STAT's first line
	StatusConnected   string // %s the server's address, %s the client's, %s for how long
	StatusLoggedIn    string // %s the user
	StatusNotLoggedIn string
	StatusTransfer    string // a transfer is open
	OptsUTF8          string // OPTS UTF8
	OptsUnknown       string // OPTS of anything else
	HashUnknown       string // OPTS HASH of an unknown algorithm
	CLNT              string
	Features          string // FEAT's first line
	FeaturesEnd       string // the last line of FEAT, STAT and MLST
	TypeBinary        string
	TypeASCII         string
	TypeUnsupported   string
	ModeStream        string
	ModeDeflate       string
	ModeUnimplemented string
	ModeUnsupported   string
	Goodbye           string // QUIT
	ABORAborted       string // ABOR of an open transfer
	ABOR              string
	AVBLNotDir        string // %s the path
	AVBLFailed        string // %s the path, %v the error
	NotImplemented    string // commands and extensions the driver lacks
	ActiveDisabled    string // %v PORT or EPRT (transfer_active.go)
	PORTParseFailed   string // %s the parameter, %v the error
	PORTRefused       string // a PORT to another host than the client's
	ActiveNoTLSConfig string // %v the error
	PORT              string // %s PORT or EPRT
	PASVFailed        string // %v the error (transfer_pasv.go)
	EPSV              string // %d the port: keep "(|||%d|)" as it is (RFC 2428)
	PASV              string // %s,%s,%s,%s the address, %d,%d the port: keep "(%s,%s,%s,%s,%d,%d)"
}

// Replies are the texts in use; dossierd's ftpd sets them once, before
// serving.
var Replies = ReplyTexts{
	IdleTimeout:          "command timeout (%d seconds): closing control connection",
	UnknownCommand:       "Unknown command %#v",
	NotLoggedIn:          "Please login with USER and PASS",
	InternalError:        "Unhandled internal error: %s",
	CommandError:         "Error: %s",
	NoTransferConnection: "unable to open transfer: no transfer connection",
	TransferTLSRequired:  "unable to open transfer: TLS is required",
	DataConnFailed:       "Could not open the data connection: %v",
	DeflateFailed:        "Could not switch to deflate mode: %v",
	TransferOpen:         "Using transfer connection",
	TransferClosed:       "Closing transfer connection",
	TransferFailed:       "Transfer failed: the data connection was closed before the end",

	UserOK:          "Password required",
	UserRejected:    "User rejected: %v",
	TLSRequired:     "TLS is required",
	TLSVerifyFailed: "TLS verification failed: %v",
	TLSCertOK:       "TLS certificate ok, continue",
	NoDriver:        "Unexpected exception (driver is nil)",
	AuthError:       "Authentication error: %v",
	PassOK:          "Password ok, continue",

	CWD:             "Working directory changed to ",
	CWDNotDir:       "Can't change directory to %s: Not a Directory",
	CWDFailed:       "CD issue: %v",
	CDUPFailed:      "CDUP issue: %v",
	MKD:             `Created dir "%s"`,
	MKDFailed:       `Could not create "%s" : %v`,
	MissingPath:     "Missing path",
	SiteMKDIR:       "Created dir %s",
	SiteMKDIRFailed: "Couldn't create dir %s: %v",
	RMD:             "Deleted dir %s",
	RMDFailed:       "Could not delete dir %s: %v",
	SiteRMDIR:       "Removed dir %s",
	SiteRMDIRFailed: "Couldn't remove dir %s: %v",
	PWD:             `"%s" is the current directory`,
	ListFailed:      "Could not list: %v",
	MLSDDisabled:    "MLSD has been disabled",
	MLSTDisabled:    "MLST has been disabled",

	OpenFailed:       "Could not access file: %v",
	SeekFailed:       "Could not seek file: %v",
	COMB:             "Files combined",
	COMBDisabled:     "COMB support is disabled",
	COMBParams:       "invalid COMB parameters: %v",
	COMBAccessFailed: "Could not access file %#v: %v",
	COMBFailed:       "Could not combine file %#v: %v",
	COMBDeleteFailed: "Could not delete file %#v after combine: %v",
	COMBCloseFailed:  "Could not close combined file %#v: %v",
	SiteCHMOD:        "SITE CHMOD command successful",
	BadCommand:       "bad command",
	Done:             "Command successful",
	ChownFailed:      "Couldn't chown: %v",
	SymlinkFailed:    "Couldn't symlink: %v",
	DELE:             "Removed file %s",
	DELEFailed:       "Couldn't delete %s: %v",
	AccessFailed:     "Couldn't access %s: %v",
	RNFR:             "File exists, ready for destination name",
	RNTO:             "File renamed",
	RNTOFailed:       "Couldn't rename %s to %s: %v",
	RNTOWithoutRNFR:  "RNFR is expected before RNTO",
	SIZEASCII:        "SIZE not allowed in ASCII mode",
	SIZEDir:          "%s is a directory",
	STATFailed:       "Could not STAT: %v",
	FileDetails:      "File details",
	ParseSizeFailed:  "Couldn't parse size: %v",
	ALLOFailed:       "Could not allocate space: %v",
	RESTASCII:        "Resuming transfers not allowed in ASCII mode",
	RESTDeflate:      "Resuming transfers not allowed in deflate mode",
	MFMTParams:       "Couldn't set mtime, not enough params, given: %s",
	MFMTParseFailed:  "Couldn't parse mtime, given: %s, err: %v",
	MFMTFailed:       "Couldn't set mtime %q for %q, err: %v",
	HASHDisabled:     "File hash support is disabled",
	HASHParams:       "invalid HASH parameters: %v",
	HASHNotFile:      "%v is not a regular file",
	HASHComputing:    "Computing %v digest",

	AUTH:              "AUTH command ok. Expecting TLS Negotiation.",
	NoTLSConfig:       "Cannot get a TLS config: %v",
	PBSZ:              "PBSZ=0",
	SYSTDisabled:      "SYST is disabled",
	SITEDisabled:      "SITE support is disabled",
	SITEUnknown:       "Unknown SITE subcommand: %s",
	STATDisabled:      "STAT is disabled",
	ServerStatus:      "Server status",
	StatusConnected:   "Connected to %s from %s for %s",
	StatusLoggedIn:    "Logged in as %s",
	StatusNotLoggedIn: "Not logged in yet",
	StatusTransfer:    "Transfer connection open",
	OptsUTF8:          "UTF-8 is always on",
	OptsUnknown:       "Unknown option",
	HashUnknown:       "Unknown algorithm, current selection not changed",
	CLNT:              "Client name recorded",
	Features:          "Extensions supported:",
	FeaturesEnd:       "End",
	TypeBinary:        "Type set to binary",
	TypeASCII:         "Type set to ASCII",
	TypeUnsupported:   "Unsupported transfer type",
	ModeStream:        "Using stream mode",
	ModeDeflate:       "Using deflate mode",
	ModeUnimplemented: "Unimplemented MODE type",
	ModeUnsupported:   "Unsupported mode",
	Goodbye:           "Goodbye",
	ABORAborted:       "Connection closed; transfer aborted",
	ABOR:              "ABOR successful; closing transfer connection",
	AVBLNotDir:        "%s: is not a directory",
	AVBLFailed:        "Couldn't get space for path %s: %v",
	NotImplemented:    "Command not implemented",
	ActiveDisabled:    "%v command is disabled",
	PORTParseFailed:   "Problem parsing %s: %v",
	PORTRefused:       "Your request does not meet the configured security requirements",
	ActiveNoTLSConfig: "Cannot get a TLS config for active connection: %v",
	PORT:              "%s command successful",
	PASVFailed:        "Could not listen for passive connection: %v",
	EPSV:              "Entering Extended Passive Mode (|||%d|)",
	PASV:              "Entering Passive Mode (%s,%s,%s,%s,%d,%d)",
}

// ErrorReply is implemented by a driver error written for the user: a
// reply to a command that failed with it carries Reply() alone, as a
// single line, without the library's own words ("Could not access file:
// driver error: calling GetHandle: ...") before it. The text must not hold
// a line break.
type ErrorReply interface {
	error
	Reply() string
}

// errorMessage is the text of the reply to a command that failed with
// err: the driver's sentence when err carries one (ErrorReply, through any
// wrapping), otherwise the library's message.
func errorMessage(err error, library string) string {
	var er ErrorReply
	if errors.As(err, &er) {
		return er.Reply()
	}

	return library
}

// featMLST is FEAT's MLST line in RFC 3659's form (section 7.8), with the
// facts every entry carries: clients such as lftp use MLSD only when the
// line lists them.
const featMLST = "MLST Type*;Size*;Modify*;Perm*;"

// hashNames are the HASH algorithms in the order FEAT lists them
// (draft-bryan-ftpext-hash: " HASH SHA-256*;SHA-1;MD5;CRC32", the
// selected one starred).
var hashNames = []string{"SHA-256", "SHA-512", "SHA-1", "MD5", "CRC32"}

func (c *clientHandler) featHash() string {
	mapping := getHashMapping()
	names := make([]string, len(hashNames))

	for i, name := range hashNames {
		names[i] = name
		if mapping[name] == c.selectedHashAlgo {
			names[i] += "*"
		}
	}

	return "HASH " + strings.Join(names, ";")
}

// mlsxPerm is RFC 3659's perm fact (section 7.5.5) of an entry, from the
// write bits of its mode and of its parent folder's: a folder can always
// be entered and listed (el), files and folders can be created in it
// (c, m) and its entries deleted (p) if it is writable; a file can be read
// (r), appended to and written (a, w) if it is writable; either can be
// deleted and renamed (d, f) if its parent is writable.
func mlsxPerm(file os.FileInfo, parentWritable bool) string {
	writable := file.Mode().Perm()&0o200 != 0

	var perm string

	switch {
	case file.IsDir() && writable:
		perm = "elcmp"
	case file.IsDir():
		perm = "el"
	case writable:
		perm = "raw"
	default:
		perm = "r"
	}

	if parentWritable {
		perm += "df"
	}

	return perm
}

// writable tells whether a folder's mode lets entries be created, deleted
// or renamed in it; false if it could not be read.
func (c *clientHandler) writable(dir string) bool {
	info, err := c.driver.Stat(dir)

	return err == nil && info.Mode().Perm()&0o200 != 0
}

// writableParent is writable of the folder holding p ("/" for "/").
func (c *clientHandler) writableParent(p string) bool { return c.writable(path.Dir(p)) }
