package daemon

import (
	"crypto/tls"
	"net"
	"strconv"
	"time"

	"github.com/dossierd/dossierd/api"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/ftpd"
	"github.com/dossierd/dossierd/httpd"
	"github.com/dossierd/dossierd/mailer"
	"github.com/dossierd/dossierd/vfs"
)

// newWeb builds the web front-end of httpd.bindings and binds it. HTTPS
// bindings serve their own pair or ftpd's (generated when absent, so the
// browser shows the fingerprint FileZilla shows).
func (d *Daemon) newWeb(cfg *config.Config) error {
	var binds []httpd.Binding
	for _, b := range cfg.HTTPD.Bindings {
		hb := httpd.Binding{Address: net.JoinHostPort(b.Address, strconv.Itoa(b.Port)), TLS: b.EnableHTTPS, ProxyAllowed: config.Networks(b.ProxyAllowed)}
		if b.EnableHTTPS {
			certFile, keyFile := b.CertificateFile, b.CertificateKeyFile
			if certFile == "" {
				certFile, keyFile = cfg.FTPD.CertificateFile, cfg.FTPD.CertificateKeyFile
			}
			cert, err := ftpd.LoadOrCreateCertificate(certFile, keyFile)
			if err != nil {
				return err
			}
			hb.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil }
		}
		binds = append(binds, hb)
	}
	l := cfg.Tree.Labels
	mail := mailer.New(cfg.SMTP, d.log)
	d.API = api.New(api.Options{Store: d.Store, Service: d.Service, Audit: d.Audit, Logger: d.log,
		LinkBase: cfg.HTTPD.LinkBase(), Mailer: mail})
	var err error
	d.HTTP, err = httpd.New(httpd.Config{
		Bindings:          binds,
		Labels:            httpd.Labels{Title: cfg.HTTPD.Labels.Title, MySessions: cfg.HTTPD.Labels.MySessions},
		TreeLabels:        vfs.Labels{Personal: l.Personal, Sessions: l.Sessions, Documents: l.Documents, Common: l.Common},
		PasswordMinLength: cfg.HTTPD.PasswordMinLength,
		SessionLifetime:   time.Duration(cfg.HTTPD.SessionLifetime) * time.Hour,
		LinkBase:          cfg.HTTPD.LinkBase(),
		Mailer:            mail,
		API:               d.API,
		Logger:            d.log,
	}, d.Service, d.Store)
	if err != nil {
		return err
	}
	d.HTTPAddrs, err = d.HTTP.Listen()
	return err
}
