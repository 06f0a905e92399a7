// Package mailer sends the mails of dossierd through the relay of the smtp
// section: invitation links and password resets, plain text in the
// server's language. net/smtp and nothing else: a mail a day per person at
// the most needs no queue, and a relay that refuses says so to whoever
// asked (the administrator's command, the web's log).
package mailer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
)

// Encryption modes of smtp.encryption (SFTPGo's values).
const (
	EncryptionNone     = 0
	EncryptionTLS      = 1 // TLS from the first byte (port 465)
	EncryptionSTARTTLS = 2 // plain connection upgraded by STARTTLS (port 587), refused if not offered
)

// timeout bounds a whole delivery, from the dial to QUIT: a relay that
// stops answering must not hold a web request or the CLI for ever.
const timeout = 30 * time.Second

// Mailer sends mails through one relay. It is safe for concurrent use:
// each mail is one connection.
type Mailer struct {
	cfg     config.SMTP
	log     *slog.Logger
	timeout time.Duration
	// roots verify the relay's certificate; nil is the system's pool.
	// Tests set their own authority.
	roots *x509.CertPool
	now   func() time.Time
}

// New returns a Mailer for cfg (validated by config). log receives one
// line a mail sent; nil logs nothing.
func New(cfg config.SMTP, log *slog.Logger) *Mailer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Mailer{cfg: cfg, log: log, timeout: timeout, now: time.Now}
}

// Configured reports whether a relay is set (smtp.host): without one,
// links can only be handed over by the administrator.
func (m *Mailer) Configured() bool { return m.cfg.Host != "" }

// SendInvitation mails link to the address to, greeting name (the
// account's display name; "" for none): the invitation to choose a
// password, or with reset the answer to "mot de passe oublié". expires is
// the link's end, written in the server's local time.
func (m *Mailer) SendInvitation(ctx context.Context, to, name, link string, expires time.Time, reset bool) error {
	subject, body := invitationText(name, link, expires, reset)
	kind := "invitation"
	if reset {
		kind = "password reset"
	}
	return m.send(ctx, kind, mail.Address{Name: name, Address: to}, subject, body)
}

// send delivers one plain-text mail to rcpt.
func (m *Mailer) send(ctx context.Context, kind string, rcpt mail.Address, subject, body string) error {
	if !m.Configured() {
		return catalogue.Error(catalogue.MailNotConfigured)
	}
	if a, err := mail.ParseAddress(rcpt.Address); err != nil || a.Address != rcpt.Address {
		return catalogue.Errorf(catalogue.MailBadAddress, rcpt.Address)
	}
	from, err := mail.ParseAddress(m.cfg.From)
	if err != nil {
		return catalogue.Errorf(catalogue.MailBadAddress, m.cfg.From)
	}
	if m.cfg.Encryption == EncryptionNone && m.cfg.User != "" && !isLocalhost(m.cfg.Host) {
		// net/smtp would refuse too, with "unencrypted connection";
		// this says which key to change.
		return catalogue.Errorf(catalogue.MailClearAuth, m.cfg.Host)
	}
	msg := compose(*from, rcpt, subject, body, m.now(), messageID(from.Address))
	relay := net.JoinHostPort(m.cfg.Host, strconv.Itoa(m.cfg.Port))
	if err := m.deliver(ctx, relay, from.Address, rcpt.Address, msg); err != nil {
		var own ownError
		if errors.As(err, &own) {
			return own.error
		}
		return catalogue.Errorf(catalogue.MailRelay, relay, err)
	}
	m.log.Info("mail sent", "kind", kind, "to", rcpt.Address, "relay", relay)
	return nil
}

// ownError is a refusal this package words itself (no STARTTLS, no AUTH):
// it is returned as it is, not as "mail relay X: ...".
type ownError struct{ error }

// deliver speaks SMTP with the relay: one connection, one mail.
func (m *Mailer) deliver(ctx context.Context, relay, from, to string, msg []byte) (err error) {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	defer func() {
		// Past the deadline the connection was closed under the protocol:
		// what failed then ("use of closed network connection") says less
		// than the wait.
		if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = catalogue.Errorf(catalogue.MailTimeout, m.timeout, ctx.Err())
		}
	}()
	tlsConfig := &tls.Config{ServerName: m.cfg.Host, RootCAs: m.roots, MinVersion: tls.VersionTLS12}
	dialer := &net.Dialer{}
	var conn net.Conn
	if m.cfg.Encryption == EncryptionTLS {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConfig}).DialContext(ctx, "tcp", relay)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", relay)
	}
	if err != nil {
		return err
	}
	// The deadline bounds every read and write, STARTTLS's handshake
	// included; a cancelled ctx closes the connection at once.
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	c, err := smtp.NewClient(conn, m.cfg.Host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(helloName()); err != nil {
		return err
	}
	if m.cfg.Encryption == EncryptionSTARTTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return ownError{catalogue.Errorf(catalogue.MailNoSTARTTLS, relay)}
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return err
		}
	}
	if m.cfg.User != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return ownError{catalogue.Errorf(catalogue.MailNoAuth, relay)}
		}
		// PLAIN where offered; LOGIN for the relays that offer only it
		// (Microsoft 365). Both refuse a connection in clear to anything
		// but this machine.
		var auth smtp.Auth = smtp.PlainAuth("", m.cfg.User, m.cfg.Password, m.cfg.Host)
		if !hasWord(mechs, "PLAIN") && hasWord(mechs, "LOGIN") {
			auth = &loginAuth{user: m.cfg.User, password: m.cfg.Password, host: m.cfg.Host}
		}
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return err
	}
	// The relay accepted the mail when this returns without error; QUIT's
	// own failure would not change that.
	if err := w.Close(); err != nil {
		return err
	}
	_ = c.Quit()
	return nil
}

func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if strings.EqualFold(w, word) {
			return true
		}
	}
	return false
}

// helloName is the name given in EHLO: the machine's.
func helloName() string {
	if name, err := os.Hostname(); err == nil && name != "" && !strings.ContainsAny(name, " \r\n") {
		return name
	}
	return "localhost"
}

// isLocalhost is net/smtp's test for a relay on this machine, where
// credentials may cross without TLS.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// loginAuth is the LOGIN mechanism (draft-murchison-sasl-login), with
// PlainAuth's safety: never in clear to another machine.
type loginAuth struct{ user, password, host string }

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !isLocalhost(server.Name) {
		return "", nil, errors.New("unencrypted connection")
	}
	if server.Name != a.host {
		return "", nil, errors.New("wrong host name")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(string(fromServer))) {
	case "username:", "user name", "username":
		return []byte(a.user), nil
	case "password:", "password":
		return []byte(a.password), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN challenge %q", fromServer)
}
