package ftpserver

// dossierd's additions to this fork (see PATCHES.md): the sentences of
// the replies it rewrote, the driver's own refusal text, the MLSx perm
// fact and the FEAT HASH line.

import (
	"errors"
	"os"
	"path"
	"strings"
)

// Replies are the sentences of the replies this fork rewrote, in one
// place; the driver sets them from its translation catalogue before
// serving. The library's other replies are unchanged.
var Replies = struct {
	Features, FeaturesEnd string // FEAT, first and last lines
	UserOK                string // USER
	PBSZ                  string // PBSZ (RFC 4217's reply)
	CLNT                  string // CLNT
	OptsUTF8, OptsUnknown string // OPTS UTF8, OPTS of anything else
	CWD                   string // CWD, CDUP; followed by the path
	RNFR, RNTO            string
	Done                  string // SITE CHOWN, SYMLINK, ALLO
	COMB                  string
	NotImplemented        string // commands and extensions the driver lacks
	TransferFailed        string // a transfer whose error is not the driver's
}{
	Features: "Extensions supported:", FeaturesEnd: "End", UserOK: "Password required", PBSZ: "PBSZ=0",
	CLNT: "Client name recorded", OptsUTF8: "UTF-8 is always on", OptsUnknown: "Unknown option",
	CWD: "Working directory changed to ", RNFR: "File exists, ready for destination name", RNTO: "File renamed",
	Done: "Command successful", COMB: "Files combined", NotImplemented: "Command not implemented",
	TransferFailed: "Transfer failed: the data connection was closed before the end",
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
