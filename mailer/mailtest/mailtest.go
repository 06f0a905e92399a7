// Package mailtest is an SMTP server for tests, on 127.0.0.1: enough of
// the protocol for net/smtp (EHLO, STARTTLS, AUTH PLAIN and LOGIN, MAIL,
// RCPT, DATA, RSET, NOOP, QUIT), keeping every mail it accepts, decoded.
// dossierd's tests of invitations and of "mot de passe oublié" read what
// would have reached the person.
package mailtest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossierd/dossierd/config"
)

// Message is one mail the server accepted.
type Message struct {
	From string   // MAIL FROM, the envelope's
	To   []string // RCPT TO
	// User is who authenticated ("" without AUTH); TLS tells whether the
	// mail came over TLS (implicit or STARTTLS).
	User string
	TLS  bool
	// Raw is the message as received, dot-stuffing undone (lines end in
	// "\n", as net/textproto gives them).
	Raw    []byte
	Header mail.Header
	// Subject is the Subject header decoded (RFC 2047); Body the text
	// with its Content-Transfer-Encoding undone.
	Subject string
	Body    string
}

// Options shape the server.
type Options struct {
	// Encryption is smtp.encryption's: 0 none, 1 TLS from the first byte,
	// 2 STARTTLS offered.
	Encryption int
	// NoSTARTTLS, with Encryption 2, leaves STARTTLS out of EHLO's
	// answer: a relay that cannot encrypt.
	NoSTARTTLS bool
	// User and Password, when set, are required (AUTH PLAIN or LOGIN,
	// offered once the connection is encrypted, or at once with
	// Encryption 0) before MAIL.
	User, Password string
	// Mechanisms offered by AUTH; default "PLAIN LOGIN".
	Mechanisms string
}

// Server is a running test server.
type Server struct {
	// Config points smtp at the server (host 127.0.0.1, its port, a From
	// address, the options' encryption and credentials).
	Config config.SMTP
	// RootCAs holds the authority of the server's certificate (for
	// 127.0.0.1), for a client's tls.Config.
	RootCAs *x509.CertPool

	opts Options
	tls  *tls.Config
	ln   net.Listener
	wg   sync.WaitGroup

	mu    sync.Mutex
	inbox []Message
	conns map[net.Conn]bool
}

// Start runs a server without encryption or authentication and returns
// the smtp section that reaches it and a function listing the mails
// received so far. It stops when the test ends.
func Start(t testing.TB) (cfg config.SMTP, inbox func() []Message) {
	s := StartServer(t, Options{})
	return s.Config, s.Messages
}

// StartServer runs a server with opts; it stops when the test ends.
func StartServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Mechanisms == "" {
		opts.Mechanisms = "PLAIN LOGIN"
	}
	cert, pool := certificate(t)
	s := &Server{opts: opts, RootCAs: pool, conns: map[net.Conn]bool{},
		tls: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Encryption == 1 {
		ln = tls.NewListener(ln, s.tls)
	}
	s.ln = ln
	s.Config = config.SMTP{
		Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		User: opts.User, Password: opts.Password,
		From:       "Organisme de formation <noreply@example.org>",
		Encryption: opts.Encryption,
	}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.stop)
	return s
}

// Messages returns the mails received so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.inbox...)
}

func (s *Server) stop() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// session is one connection's state.
type session struct {
	s      *Server
	conn   net.Conn
	tp     *textproto.Conn
	tls    bool
	user   string
	msg    Message
	authed bool
}

func (s *Server) serve(c net.Conn) {
	c.SetDeadline(time.Now().Add(time.Minute))
	_, isTLS := c.(*tls.Conn)
	ss := &session{s: s, conn: c, tp: textproto.NewConn(c), tls: isTLS}
	ss.reply(220, "mailtest ESMTP")
	for {
		line, err := ss.tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ss.ehlo()
		case "STARTTLS":
			if s.opts.Encryption != 2 || s.opts.NoSTARTTLS || ss.tls {
				ss.reply(502, "STARTTLS not offered")
				continue
			}
			ss.reply(220, "go ahead")
			tc := tls.Server(ss.conn, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			// RFC 3207: everything said before is forgotten.
			ss.conn, ss.tp, ss.tls, ss.msg, ss.authed, ss.user = tc, textproto.NewConn(tc), true, Message{}, false, ""
		case "AUTH":
			ss.auth(arg)
		case "MAIL":
			if s.opts.User != "" && !ss.authed {
				ss.reply(530, "authentication required")
				continue
			}
			ss.msg = Message{From: address(arg)}
			ss.reply(250, "ok")
		case "RCPT":
			ss.msg.To = append(ss.msg.To, address(arg))
			ss.reply(250, "ok")
		case "DATA":
			if ss.msg.From == "" || len(ss.msg.To) == 0 {
				ss.reply(503, "MAIL and RCPT first")
				continue
			}
			ss.reply(354, "end with <CRLF>.<CRLF>")
			raw, err := ss.tp.ReadDotBytes()
			if err != nil {
				return
			}
			ss.keep(raw)
			ss.reply(250, "queued")
		case "RSET":
			ss.msg = Message{}
			ss.reply(250, "ok")
		case "NOOP":
			ss.reply(250, "ok")
		case "QUIT":
			ss.reply(221, "bye")
			return
		default:
			ss.reply(502, "unknown command")
		}
	}
}

func (ss *session) reply(code int, text string) { ss.tp.PrintfLine("%d %s", code, text) }

func (ss *session) ehlo() {
	lines := []string{"mailtest"}
	o := ss.s.opts
	if o.Encryption == 2 && !o.NoSTARTTLS && !ss.tls {
		lines = append(lines, "STARTTLS")
	}
	if o.User != "" && (ss.tls || o.Encryption == 0) {
		lines = append(lines, "AUTH "+o.Mechanisms)
	}
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		ss.tp.PrintfLine("250%s%s", sep, l)
	}
}

// auth runs AUTH PLAIN (with or without an initial response) and AUTH
// LOGIN.
func (ss *session) auth(arg string) {
	mech, initial, _ := strings.Cut(arg, " ")
	read := func(challenge string) (string, bool) {
		ss.tp.PrintfLine("334 %s", base64.StdEncoding.EncodeToString([]byte(challenge)))
		line, err := ss.tp.ReadLine()
		if err != nil {
			return "", false
		}
		b, err := base64.StdEncoding.DecodeString(line)
		return string(b), err == nil
	}
	var user, pass string
	switch strings.ToUpper(mech) {
	case "PLAIN":
		resp := ""
		if initial != "" {
			b, err := base64.StdEncoding.DecodeString(initial)
			if err != nil {
				ss.reply(501, "bad base64")
				return
			}
			resp = string(b)
		} else if r, ok := read(""); ok {
			resp = r
		}
		parts := strings.Split(resp, "\x00")
		if len(parts) == 3 {
			user, pass = parts[1], parts[2]
		}
	case "LOGIN":
		var ok bool
		if user, ok = read("Username:"); ok {
			pass, _ = read("Password:")
		}
	default:
		ss.reply(504, "mechanism not supported")
		return
	}
	if user == "" || user != ss.s.opts.User || pass != ss.s.opts.Password {
		ss.reply(535, "authentication failed")
		return
	}
	ss.authed, ss.user = true, user
	ss.reply(235, "authenticated")
}

// keep stores a received mail, decoded.
func (ss *session) keep(raw []byte) {
	m := ss.msg
	m.User, m.TLS, m.Raw = ss.user, ss.tls, raw
	if parsed, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.Header = parsed.Header
		m.Subject, _ = new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
		var body io.Reader = parsed.Body
		if strings.EqualFold(parsed.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		b, _ := io.ReadAll(bufio.NewReader(body))
		m.Body = string(b)
	}
	ss.s.mu.Lock()
	ss.s.inbox = append(ss.s.inbox, m)
	ss.s.mu.Unlock()
	ss.msg = Message{}
}

// address takes the path out of "FROM:<a@b> SIZE=..." or "TO:<a@b>".
func address(arg string) string {
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		if j := strings.IndexByte(arg[i:], '>'); j > 0 {
			return arg[i+1 : i+j]
		}
	}
	return arg
}

// certificate makes a self-signed certificate for 127.0.0.1 and localhost,
// and the pool that trusts it.
func certificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
