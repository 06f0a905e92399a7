package scenario

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// Kind is the outcome of one operation, as a user would tell it.
type Kind int

const (
	OK       Kind = iota
	NotFound      // "no such file or folder"
	Denied        // read-only folder / permission denied
	BadName       // the filename policy refused the name
	Failed        // any other refusal
)

func (k Kind) String() string {
	return [...]string{"OK", "NotFound", "Denied", "BadName", "Failed"}[k]
}

// Client is what a protocol driver offers the table: the operations users
// do, with paths as they type them. Kind classifies an error the client
// returned; Message is the text the user sees for it ("" if the protocol
// client drops it).
type Client interface {
	List(p string) ([]string, error)
	Stat(p string) error
	Get(p string) ([]byte, error)
	Put(p string, data []byte) error
	Mkdir(p string) error
	Rename(from, to string) error
	Remove(p string) error
	Kind(err error) Kind
	Message(err error) string
	Close() error
}

// Skipper is a Client that cannot express some steps (a browser cannot
// send a name that is not UTF-8): Skip says why, "" for the others.
type Skipper interface {
	Skip(s Step) string
}

// Dialer logs in over one protocol.
type Dialer func(t testing.TB, env *Env, login, password string) Client

// Step is one scenario: a login does an operation and gets an outcome.
type Step struct {
	Login  string
	Op     string // list, stat, get, put, mkdir, rename, remove
	Path   string
	Target string // rename target
	Want   Kind
	// Names, for a list: exactly these entries, in order.
	Names []string
	// Disk is a storage-relative path: after an OK write it must hold the
	// written data (or be a folder, for mkdir); after a refusal it must
	// not exist, so "nothing written" is checked on disk.
	Disk string
	// Char must appear in the message of a BadName refusal, where the
	// protocol carries the message.
	Char string
}

const (
	sst     = "/Sessions/S2026-014 SST Lyon"
	excel   = "/Sessions/S2026-021 Excel avance"
	mine    = "/Mes documents"
	globexF = "Convention GLOBEX S2026-014.pdf"
)

// Table is the isolation and refusal table of SPEC sections 3 and 4, on
// the demo directory: acme and globex (clients) share session S2026-014;
// jdupont (trainee) and fmartin (trainer) take part too; backoffice is
// staff. Steps run in order and some build on earlier ones.
var Table = []Step{
	// What each role sees.
	{Login: "acme", Op: "list", Path: "/", Names: []string{"FTPDOSSIERPERSO", "Mes documents", "Sessions"}},
	{Login: "acme", Op: "list", Path: "/Sessions", Names: []string{"S2026-014 SST Lyon", "S2026-021 Excel avance"}},
	{Login: "acme", Op: "list", Path: sst, Names: []string{"Commun", "Documents"}},
	{Login: "acme", Op: "list", Path: sst + "/Documents", Names: []string{"Convention ACME S2026-014.pdf"}},
	{Login: "acme", Op: "list", Path: sst + "/Commun", Names: []string{"Programme SST.pdf"}},
	{Login: "acme", Op: "list", Path: "/FTPDOSSIERPERSO", Names: []string{"Reglement interieur.pdf"}},
	// The planted symlinks lead outside acme's folder: not listed, not followed.
	{Login: "acme", Op: "list", Path: mine, Names: []string{"Facture F2026-0042.pdf"}},
	{Login: "globex", Op: "list", Path: "/Sessions", Names: []string{"S2026-014 SST Lyon"}},
	{Login: "globex", Op: "list", Path: sst + "/Documents", Names: []string{globexF}},
	{Login: "jdupont", Op: "list", Path: "/", Names: []string{"FTPDOSSIERPERSO", "Mes documents", "Sessions"}},
	{Login: "jdupont", Op: "list", Path: sst + "/Documents", Names: []string{"Convocation Jeanne Dupont.pdf"}},
	{Login: "jdupont", Op: "list", Path: sst + "/Commun", Names: []string{"Livret stagiaire SST.pdf"}},
	{Login: "fmartin", Op: "list", Path: "/Sessions", Names: []string{"S2026-014 SST Lyon", "S2026-021 Excel avance"}},
	{Login: "fmartin", Op: "list", Path: sst + "/Commun", Names: []string{"Livret stagiaire SST.pdf"}},
	{Login: "backoffice", Op: "list", Path: "/", Names: []string{"FTPDOSSIERPERSO", "clients", "intervenants", "sessions", "stagiaires"}},

	// Downloads of one's own documents, and of the shared folder.
	{Login: "acme", Op: "get", Path: sst + "/Documents/Convention ACME S2026-014.pdf", Disk: "sessions/S2026-014/clients/C0042/Convention ACME S2026-014.pdf"},
	{Login: "acme", Op: "get", Path: "/FTPDOSSIERPERSO/Reglement interieur.pdf", Disk: "FTPDOSSIERPERSO/Reglement interieur.pdf"},
	{Login: "globex", Op: "get", Path: sst + "/Documents/" + globexF, Disk: "sessions/S2026-014/clients/C0043/" + globexF},

	// acme never reaches globex's documents: not by its own session path,
	// not by a physical path, "..", an absolute path or a symlink.
	{Login: "acme", Op: "get", Path: sst + "/Documents/" + globexF, Want: NotFound},
	{Login: "acme", Op: "stat", Path: sst + "/Documents/" + globexF, Want: NotFound},
	{Login: "acme", Op: "get", Path: "/sessions/S2026-014/clients/C0043/" + globexF, Want: NotFound},
	{Login: "acme", Op: "get", Path: mine + "/../../sessions/S2026-014/clients/C0043/" + globexF, Want: NotFound},
	{Login: "acme", Op: "get", Path: sst + "/Documents/../../../../clients/C0043/" + globexF, Want: NotFound},
	{Login: "acme", Op: "get", Path: "../../../../../sessions/S2026-014/clients/C0043/" + globexF, Want: NotFound},
	{Login: "acme", Op: "list", Path: "/clients/C0043", Want: NotFound},
	{Login: "acme", Op: "list", Path: mine + "/globex-link", Want: NotFound},
	{Login: "acme", Op: "get", Path: mine + "/globex-link/" + globexF, Want: NotFound},
	{Login: "acme", Op: "get", Path: mine + "/abs-link/" + globexF, Want: NotFound},
	{Login: "acme", Op: "rename", Path: mine + "/globex-link/" + globexF, Target: mine + "/stolen.pdf", Want: NotFound, Disk: "clients/C0042/stolen.pdf"},
	{Login: "globex", Op: "list", Path: excel, Want: NotFound},
	{Login: "globex", Op: "get", Path: excel + "/Documents/Convention ACME S2026-021.pdf", Want: NotFound},
	{Login: "jdupont", Op: "list", Path: "/Sessions/" + "S2026-014 SST Lyon/Documents/../../../Mes documents/../../clients", Want: NotFound},

	// Uploads land at the physical path of SPEC section 2.
	{Login: "acme", Op: "put", Path: mine + "/Bon de commande.pdf", Disk: "clients/C0042/Bon de commande.pdf"},
	{Login: "acme", Op: "mkdir", Path: mine + "/Archives 2026", Disk: "clients/C0042/Archives 2026"},
	{Login: "acme", Op: "put", Path: mine + "/Archives 2026/Devis (v2).pdf", Disk: "clients/C0042/Archives 2026/Devis (v2).pdf"},
	{Login: "acme", Op: "rename", Path: mine + "/Archives 2026/Devis (v2).pdf", Target: mine + "/Devis_final.pdf", Disk: "clients/C0042/Devis_final.pdf"},
	{Login: "acme", Op: "list", Path: mine, Names: []string{"Archives 2026", "Bon de commande.pdf", "Devis_final.pdf", "Facture F2026-0042.pdf"}},
	{Login: "globex", Op: "get", Path: mine + "/Bon de commande.pdf", Want: NotFound},
	{Login: "jdupont", Op: "put", Path: mine + "/CV Jeanne.pdf", Disk: "stagiaires/T0107/CV Jeanne.pdf"},
	{Login: "fmartin", Op: "put", Path: sst + "/Documents/Support jour 1.pdf", Disk: "sessions/S2026-014/intervenants/F0003/Support jour 1.pdf"},
	{Login: "backoffice", Op: "put", Path: "/sessions/S2026-014/clients/C0043/Attestation GLOBEX.pdf", Disk: "sessions/S2026-014/clients/C0043/Attestation GLOBEX.pdf"},
	{Login: "globex", Op: "list", Path: sst + "/Documents", Names: []string{"Attestation GLOBEX.pdf", globexF}},
	{Login: "acme", Op: "list", Path: sst + "/Documents", Names: []string{"Convention ACME S2026-014.pdf"}},
	{Login: "acme", Op: "remove", Path: mine + "/Devis_final.pdf"},
	{Login: "acme", Op: "stat", Path: mine + "/Devis_final.pdf", Want: NotFound},

	// Read-only mounts and the tree's own folders refuse every change.
	{Login: "acme", Op: "put", Path: sst + "/Documents/Bon.pdf", Want: Denied, Disk: "sessions/S2026-014/clients/C0042/Bon.pdf"},
	{Login: "acme", Op: "put", Path: sst + "/Commun/Bon.pdf", Want: Denied, Disk: "sessions/S2026-014/commun-clients/Bon.pdf"},
	{Login: "acme", Op: "put", Path: "/FTPDOSSIERPERSO/Bon.pdf", Want: Denied, Disk: "FTPDOSSIERPERSO/Bon.pdf"},
	{Login: "acme", Op: "put", Path: "/Bon.pdf", Want: Denied},
	{Login: "acme", Op: "put", Path: sst + "/Bon.pdf", Want: Denied},
	{Login: "acme", Op: "mkdir", Path: "/Nouveau", Want: Denied},
	{Login: "acme", Op: "mkdir", Path: sst + "/Documents/Nouveau", Want: Denied, Disk: "sessions/S2026-014/clients/C0042/Nouveau"},
	{Login: "acme", Op: "remove", Path: sst + "/Documents/Convention ACME S2026-014.pdf", Want: Denied},
	{Login: "acme", Op: "get", Path: sst + "/Documents/Convention ACME S2026-014.pdf", Disk: "sessions/S2026-014/clients/C0042/Convention ACME S2026-014.pdf"},
	{Login: "acme", Op: "rename", Path: sst + "/Documents/Convention ACME S2026-014.pdf", Target: mine + "/Convention.pdf", Want: Denied, Disk: "clients/C0042/Convention.pdf"},
	{Login: "acme", Op: "rename", Path: mine + "/Facture F2026-0042.pdf", Target: sst + "/Documents/Facture.pdf", Want: Denied, Disk: "sessions/S2026-014/clients/C0042/Facture.pdf"},
	{Login: "acme", Op: "rename", Path: mine, Target: "/Mes fichiers", Want: Denied},
	{Login: "acme", Op: "remove", Path: "/Sessions", Want: Denied},
	{Login: "jdupont", Op: "put", Path: sst + "/Documents/Devoir.pdf", Want: Denied, Disk: "sessions/S2026-014/stagiaires/T0107/Devoir.pdf"},
	{Login: "fmartin", Op: "put", Path: sst + "/Commun/Support.pdf", Want: Denied, Disk: "sessions/S2026-014/commun-stagiaires/Support.pdf"},

	// Refused names: nothing is written, and the message names the character.
	{Login: "acme", Op: "put", Path: mine + "/Convocation Hélène l'été.pdf", Want: BadName, Char: "é", Disk: "clients/C0042/Convocation Hélène l'été.pdf"},
	{Login: "acme", Op: "put", Path: mine + "/l'attestation.pdf", Want: BadName, Char: "'", Disk: "clients/C0042/l'attestation.pdf"},
	{Login: "acme", Op: "put", Path: mine + `/devis "final".pdf`, Want: BadName, Char: `"`, Disk: `clients/C0042/devis "final".pdf`},
	{Login: "acme", Op: "put", Path: mine + "/R&D.pdf", Want: BadName, Char: "&", Disk: "clients/C0042/R&D.pdf"},
	{Login: "acme", Op: "put", Path: mine + "/-rapport.pdf", Want: BadName, Char: "-", Disk: "clients/C0042/-rapport.pdf"},
	{Login: "acme", Op: "put", Path: mine + "/CON.pdf", Want: BadName, Char: "CON", Disk: "clients/C0042/CON.pdf"},
	{Login: "acme", Op: "put", Path: mine + "/rapport.", Want: BadName, Char: ".", Disk: "clients/C0042/rapport."},
	{Login: "acme", Op: "put", Path: mine + "/caf\xe9.pdf", Want: BadName, Char: "0xE9", Disk: "clients/C0042/caf\xe9.pdf"},
	{Login: "acme", Op: "mkdir", Path: mine + "/Été 2026", Want: BadName, Char: "É", Disk: "clients/C0042/Été 2026"},
	{Login: "acme", Op: "mkdir", Path: mine + "/R&D", Want: BadName, Char: "&", Disk: "clients/C0042/R&D"},
	{Login: "acme", Op: "rename", Path: mine + "/Facture F2026-0042.pdf", Target: mine + "/Facturé.pdf", Want: BadName, Char: "é", Disk: "clients/C0042/Facturé.pdf"},
	{Login: "acme", Op: "rename", Path: mine + "/Facture F2026-0042.pdf", Target: mine + "/COM1.txt", Want: BadName, Char: "COM1", Disk: "clients/C0042/COM1.txt"},
	{Login: "acme", Op: "list", Path: mine, Names: []string{"Archives 2026", "Bon de commande.pdf", "Facture F2026-0042.pdf"}},
}

// Content is what a put in the table uploads: distinct per path, and big
// enough to span several protocol packets.
func Content(p string) []byte {
	return bytes.Repeat([]byte("dossierd "+p+"\n"), 4000)
}

// Run runs the table over one protocol. Each login keeps one connection
// for the whole table, as a FileZilla user would.
func Run(t *testing.T, env *Env, dial Dialer) {
	clients := map[string]Client{}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i, s := range Table {
		name := fmt.Sprintf("%02d_%s_%s_%s", i, s.Login, s.Op, s.Path)
		ok := t.Run(name, func(t *testing.T) {
			c := clients[s.Login]
			if c == nil {
				c = dial(t, env, s.Login, env.Passwords[s.Login])
				clients[s.Login] = c
			}
			if sk, ok := c.(Skipper); ok {
				if why := sk.Skip(s); why != "" {
					t.Skip(why)
				}
			}
			runStep(t, env, c, s)
		})
		if !ok && s.Want == OK && s.Op != "list" && s.Op != "get" {
			t.Fatalf("step %d failed; later steps depend on it", i)
		}
	}
}

func runStep(t *testing.T, env *Env, c Client, s Step) {
	var err error
	var listed []string
	var got []byte
	switch s.Op {
	case "list":
		listed, err = c.List(s.Path)
	case "stat":
		err = c.Stat(s.Path)
	case "get":
		got, err = c.Get(s.Path)
	case "put":
		err = c.Put(s.Path, Content(s.Path))
	case "mkdir":
		err = c.Mkdir(s.Path)
	case "rename":
		err = c.Rename(s.Path, s.Target)
	case "remove":
		err = c.Remove(s.Path)
	default:
		t.Fatalf("unknown op %q", s.Op)
	}
	kind := OK
	if err != nil {
		kind = c.Kind(err)
	}
	if kind != s.Want {
		t.Fatalf("%s %s %q: got %v (%v), want %v", s.Login, s.Op, s.Path, kind, err, s.Want)
	}
	if err != nil {
		msg := c.Message(err)
		if s.Want == BadName && msg != "" {
			if s.Char != "" && !strings.Contains(msg, s.Char) {
				t.Errorf("message %q does not name %q", msg, s.Char)
			}
			if !strings.Contains(msg, "try ") {
				t.Errorf("message %q suggests no safe name", msg)
			}
		}
		if s.Want == Denied && msg != "" && !strings.Contains(msg, "read-only") {
			t.Errorf("message %q does not say read-only", msg)
		}
		if s.Disk != "" {
			if _, err := os.Lstat(env.Disk(s.Disk)); err == nil {
				t.Errorf("refused %s left %s on disk", s.Op, s.Disk)
			}
		}
		return
	}
	if s.Names != nil && !slices.Equal(listed, s.Names) {
		t.Errorf("list %q = %q, want %q", s.Path, listed, s.Names)
	}
	if s.Disk == "" {
		return
	}
	onDisk, derr := os.ReadFile(env.Disk(s.Disk))
	switch s.Op {
	case "get":
		if derr != nil || !bytes.Equal(got, onDisk) {
			t.Errorf("downloaded %d bytes differ from %s on disk (%v)", len(got), s.Disk, derr)
		}
	case "put":
		if derr != nil || !bytes.Equal(onDisk, Content(s.Path)) {
			t.Errorf("upload did not land intact at %s (%v)", s.Disk, derr)
		}
	case "mkdir":
		if fi, err := os.Stat(env.Disk(s.Disk)); err != nil || !fi.IsDir() {
			t.Errorf("folder %s not created (%v)", s.Disk, err)
		}
	case "rename":
		if _, err := os.Stat(env.Disk(s.Disk)); err != nil {
			t.Errorf("rename target %s missing (%v)", s.Disk, err)
		}
	}
}
