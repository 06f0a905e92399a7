package mailer

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"github.com/dossierd/dossierd/catalogue"
)

// invitationText is the subject and body of an invitation (reset false)
// or of a password reset, in the server's language. The link stands alone
// on its line, so that every mail program makes it clickable.
func invitationText(name, link string, expires time.Time, reset bool) (subject, body string) {
	subj, intro, ignore := catalogue.InviteSubject, catalogue.InviteBody, catalogue.InviteIgnore
	if reset {
		subj, intro, ignore = catalogue.ResetSubject, catalogue.ResetBody, catalogue.ResetIgnore
	}
	greeting := catalogue.MailGreetingNoName.F()
	if name != "" {
		greeting = catalogue.MailGreeting.F(name)
	}
	parts := []string{
		greeting,
		intro.F(),
		link,
		catalogue.MailExpires.F(catalogue.DateTime(expires)),
		ignore.F(),
		// "-- " (with its space) is the signature separator mail
		// programs recognise.
		"-- \n" + catalogue.MailAutomatic.F(),
	}
	return subj.F(), strings.Join(parts, "\n\n") + "\n"
}

// compose writes a plain-text mail in UTF-8: headers RFC 5322 (names and
// subject RFC 2047-encoded where they are not ASCII), body
// quoted-printable, lines ending in CRLF.
func compose(from, to mail.Address, subject, body string, date time.Time, msgID string) []byte {
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", msgID)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Content-Language", string(catalogue.Current()))
	// RFC 3834: no vacation replies to an automatic mail.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(body)) // writes to a bytes.Buffer cannot fail
	qp.Close()
	return b.Bytes()
}

// messageID is a fresh Message-ID in the domain of the sender's address.
func messageID(from string) string {
	domain := "dossierd.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	raw := make([]byte, 16)
	rand.Read(raw)
	return "<" + hex.EncodeToString(raw) + "@" + domain + ">"
}
