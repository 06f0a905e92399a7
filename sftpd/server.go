// Package sftpd serves SFTP over x/crypto/ssh and pkg/sftp's
// RequestServer, translating requests into vfs calls.
package sftpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/proxyproto"
	"github.com/dossierd/dossierd/service"
)

// Config is the sftpd section, already validated.
type Config struct {
	Bindings          []string // host:port
	HostKeys          []string // paths; generated when absent
	MaxAuthTries      int
	LoginGraceTime    time.Duration // to complete the handshake and authentication
	KeepaliveInterval time.Duration // 0: off
	// Offered algorithms, in order (sftpd.kex_algorithms, .ciphers, .macs);
	// empty: all that x/crypto/ssh supports.
	KexAlgorithms, Ciphers, MACs []string
	// Bounds of one connection: open file and folder handles, and SSH
	// session channels (OpenSSH's MaxSessions). 0: the defaults.
	MaxOpenHandles, MaxChannels int
	// Proxy reads the PROXY protocol header of each connection; nil: none.
	Proxy *proxyproto.Policy
}

// DefaultMaxChannels is sftpd.max_channels' default.
const DefaultMaxChannels = 10

// Server is the SFTP server.
type Server struct {
	cfg Config
	svc *service.Service
	ssh *ssh.ServerConfig
	log *slog.Logger

	attempts sync.Map // remote address -> struct{}: tried to authenticate
	// maxChannels is cfg.MaxChannels, changed by SetMaxChannels.
	maxChannels atomic.Int32

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[*conn]struct{}
	closing   atomic.Bool
	wg        sync.WaitGroup
}

// SetMaxChannels changes sftpd.max_channels (a configuration reload): the
// channels a connection opens from now on are counted against it; those
// open stay. 0: the default.
func (s *Server) SetMaxChannels(n int) {
	if n <= 0 {
		n = DefaultMaxChannels
	}
	s.maxChannels.Store(int32(n))
}

// New prepares the server: host keys are loaded or generated here, so a
// problem with them stops start-up with the file's name.
func New(cfg Config, svc *service.Service) (*Server, error) {
	if cfg.MaxChannels <= 0 {
		cfg.MaxChannels = DefaultMaxChannels
	}
	s := &Server{cfg: cfg, svc: svc, log: svc.Logger().With("server", "sftpd"), conns: map[*conn]struct{}{}}
	s.SetMaxChannels(cfg.MaxChannels)
	algs := ssh.SupportedAlgorithms() // modern only: no CBC, no DH group1
	for _, a := range []struct {
		conf *[]string
		all  []string
	}{{&cfg.KexAlgorithms, algs.KeyExchanges}, {&cfg.Ciphers, algs.Ciphers}, {&cfg.MACs, algs.MACs}} {
		if len(*a.conf) == 0 {
			*a.conf = a.all
		}
	}
	s.ssh = &ssh.ServerConfig{
		Config:            ssh.Config{KeyExchanges: cfg.KexAlgorithms, Ciphers: cfg.Ciphers, MACs: cfg.MACs},
		MaxAuthTries:      cfg.MaxAuthTries,
		PasswordCallback:  s.password,
		PublicKeyCallback: s.publicKey,
		// The account's state is told only to a client that signed.
		VerifiedPublicKeyCallback: s.verifiedKey,
		ServerVersion:             "SSH-2.0-dossierd",
		PublicKeyAuthAlgorithms:   algs.PublicKeyAuths,
		AuthLogCallback: func(meta ssh.ConnMetadata, method string, _ error) {
			if method != "none" {
				s.attempts.Store(meta.RemoteAddr().String(), struct{}{})
			}
		},
	}
	if len(cfg.HostKeys) == 0 {
		return nil, errors.New("sftpd: no host key configured")
	}
	for _, p := range cfg.HostKeys {
		signer, err := loadHostKey(p)
		if err != nil {
			return nil, fmt.Errorf("sftpd: %w", err)
		}
		s.ssh.AddHostKey(signer)
		// What FileZilla shows when it first meets the server (and
		// OpenSSH, ssh-keygen -lf): users compare it with this line.
		s.log.Info("host key", "file", p, "type", signer.PublicKey().Type(), "fingerprint", ssh.FingerprintSHA256(signer.PublicKey()))
	}
	return s, nil
}

const accountKey = "account"

func (s *Server) password(meta ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
	a, err := s.svc.CheckPassword(context.Background(), "SFTP", meta.RemoteAddr().String(), meta.User(), string(pw))
	return s.permissions(a, err)
}

// publicKey answers whether key is one of the login's, the same way for
// every account state: a client may ask before signing.
func (s *Server) publicKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	a, err := s.svc.MatchKey(context.Background(), "SFTP", meta.RemoteAddr().String(), meta.User(), key)
	if err != nil {
		return nil, err
	}
	return &ssh.Permissions{ExtraData: map[any]any{accountKey: a}}, nil
}

// verifiedKey runs once the client has signed with the key publicKey
// accepted.
func (s *Server) verifiedKey(meta ssh.ConnMetadata, _ ssh.PublicKey, p *ssh.Permissions, _ string) (*ssh.Permissions, error) {
	a := p.ExtraData[accountKey].(auth.Account)
	return s.permissions(a, s.svc.KeyVerified(context.Background(), "SFTP", meta.RemoteAddr().String(), a))
}

// permissions passes the verified account to the connection. A disabled or
// expired account, or one with all its connections open, gets a banner
// saying so: the client's log then tells the user why, not just
// "permission denied". Only a client that proved its password or key
// gets here.
func (s *Server) permissions(a auth.Account, err error) (*ssh.Permissions, error) {
	if err == nil {
		err = s.svc.CheckLoginConnections(a)
	}
	var tooMany *service.LoginConnectionsError
	switch {
	case errors.As(err, &tooMany):
		return nil, &ssh.BannerError{Err: err, Message: tooMany.Error() + "\n"}
	case errors.Is(err, auth.ErrDisabled):
		return nil, &ssh.BannerError{Err: err, Message: catalogue.AccountDisabled.F() + "\n"}
	case errors.Is(err, auth.ErrExpired):
		return nil, &ssh.BannerError{Err: err, Message: catalogue.AccountExpired.F() + "\n"}
	case err != nil:
		return nil, err
	}
	return &ssh.Permissions{ExtraData: map[any]any{accountKey: a}}, nil
}

// Listen binds every configured address; with port 0 the kernel picks one
// (tests). It returns the bound addresses.
func (s *Server) Listen() ([]net.Addr, error) {
	var addrs []net.Addr
	for _, b := range s.cfg.Bindings {
		l, err := net.Listen("tcp", b)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("sftpd: listen on %s: %w", b, err)
		}
		s.mu.Lock()
		s.listeners = append(s.listeners, l)
		s.mu.Unlock()
		addrs = append(addrs, l.Addr())
		s.log.Info("listening", "address", l.Addr().String())
	}
	return addrs, nil
}

// Serve accepts connections on the bound listeners until Shutdown.
func (s *Server) Serve() {
	s.mu.Lock()
	ls := append([]net.Listener(nil), s.listeners...)
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, l := range ls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.acceptLoop(l)
		}()
	}
	wg.Wait()
}

// acceptLoop serves l until it is closed; failures of accept, such as
// running out of descriptors, are waited out by service.RetryListener.
func (s *Server) acceptLoop(l net.Listener) {
	// The header is read first, so that Admit, the defender and the audit
	// see the client's address.
	rl := s.cfg.Proxy.Listener(service.NewRetryListener(l, s.log))
	for {
		nc, err := rl.Accept()
		if err != nil {
			return // closed by Shutdown or Close
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(nc)
		}()
	}
}

// conn is one SSH connection.
type conn struct {
	nc    net.Conn
	login atomic.Pointer[service.Conn] // set once logged in

	mu    sync.Mutex
	chans map[ssh.Channel]struct{} // open session channels
}

func (c *conn) track(ch ssh.Channel, open bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.chans == nil {
		c.chans = map[ssh.Channel]struct{}{}
	}
	if open {
		c.chans[ch] = struct{}{}
	} else {
		delete(c.chans, ch)
	}
}

// kick closes the connection, telling the user why first: SSH has no
// place for a reason once logged in but the channels' error stream, which
// OpenSSH's sftp prints and others log. The writes go out together and are
// waited for kickWait at most, all channels included: a client that
// stopped reading blocks them (its window is full), and shutdown kicks
// every connection in turn. Closing the connection ends the writes still
// blocked.
func (c *conn) kick(sc io.Closer, reason string) {
	c.mu.Lock()
	chans := make([]ssh.Channel, 0, len(c.chans))
	for ch := range c.chans {
		chans = append(chans, ch)
	}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, ch := range chans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Fprintf(ch.Stderr(), "dossierd: %s\r\n", reason)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(kickWait)
	select {
	case <-done:
	case <-t.C:
	}
	t.Stop()
	sc.Close()
}

// kickWait bounds how long a kick waits for its message to be written.
const kickWait = time.Second

func (s *Server) track(c *conn, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.conns[c] = struct{}{}
	} else {
		delete(s.conns, c)
	}
}

func (s *Server) handle(nc net.Conn) {
	defer nc.Close()
	// Banned addresses and connections over the limits are dropped here,
	// before any key exchange work.
	release, err := s.svc.Admit(nc.RemoteAddr())
	if err != nil {
		return
	}
	defer release()
	c := &conn{nc: nc}
	s.track(c, true)
	defer s.track(c, false)
	remote := nc.RemoteAddr().String()
	if s.cfg.LoginGraceTime > 0 {
		nc.SetDeadline(time.Now().Add(s.cfg.LoginGraceTime))
	}
	qc := newQuickAckConn(nc)
	sc, chans, reqs, err := ssh.NewServerConn(qc, s.ssh)
	qc.settle()
	if err != nil {
		s.log.Debug("handshake failed", "remote", remote, "err", err)
		if _, tried := s.attempts.LoadAndDelete(remote); !tried {
			s.svc.NoAuth(nc.RemoteAddr())
		}
		return
	}
	s.attempts.Delete(remote)
	defer sc.Close()
	nc.SetDeadline(time.Time{})
	go ssh.DiscardRequests(reqs)

	a := sc.Permissions.ExtraData[accountKey].(auth.Account)
	login, err := s.svc.Open(context.Background(), a, "SFTP", remote, func(reason string) { c.kick(sc, reason) })
	if err != nil {
		return
	}
	defer login.Close()
	if s.cfg.KeepaliveInterval > 0 {
		go s.keepalive(sc, login.Log())
	}
	c.login.Store(login)
	h := &handlers{conn: login, log: login.Log()}
	// The connection ends only when its channels have closed their files:
	// shutdown waits on this, so a cut upload is discarded before exit.
	var channels sync.WaitGroup
	var open atomic.Int32
	defer channels.Wait()
	// Once the transport is gone, work still running for it stops (the
	// copy that starts a resumed upload).
	defer login.FS.Cancel()
	for nch := range chans {
		if nch.ChannelType() != "session" {
			nch.Reject(ssh.UnknownChannelType, catalogue.OnlySFTPChannels.F())
			continue
		}
		if max := s.maxChannels.Load(); open.Load() >= max {
			nch.Reject(ssh.ResourceShortage, catalogue.TooManyChannels.F(int(max)))
			continue
		}
		ch, chReqs, err := nch.Accept()
		if err != nil {
			continue
		}
		open.Add(1)
		channels.Add(1)
		c.track(ch, true)
		go func() {
			defer channels.Done()
			defer open.Add(-1)
			defer c.track(ch, false)
			s.serveChannel(ch, chReqs, h)
		}()
	}
}

// serveChannel serves one session channel: the sftp subsystem, and a readable refusal
// for a shell or a command.
func (s *Server) serveChannel(ch ssh.Channel, reqs <-chan *ssh.Request, h *handlers) {
	defer ch.Close()
	for req := range reqs {
		switch {
		case req.Type == "subsystem" && len(req.Payload) >= 4 && string(req.Payload[4:]) == "sftp":
			req.Reply(true, nil)
			go ssh.DiscardRequests(reqs)
			rs := sftp.NewRequestServer(ch, h.handlers())
			if err := rs.Serve(); err != nil && !errors.Is(err, net.ErrClosed) && err.Error() != "EOF" {
				h.log.Debug("sftp session ended", "err", err)
			}
			rs.Close()
			return
		case req.Type == "shell" || req.Type == "exec":
			req.Reply(true, nil)
			fmt.Fprint(ch.Stderr(), catalogue.OnlySFTP.F()+"\r\n")
			ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{1}))
			return
		case req.Type == "env" || req.Type == "pty-req":
			req.Reply(true, nil) // harmless; clients send them before the subsystem
		default:
			req.Reply(false, nil)
		}
	}
}

// keepalive detects dead peers (a laptop closed mid-session) so their
// uploads are discarded and their slots freed. log is the connection's
// (conn id, login, protocol, remote).
func (s *Server) keepalive(sc *ssh.ServerConn, log *slog.Logger) {
	t := time.NewTicker(s.cfg.KeepaliveInterval)
	defer t.Stop()
	for range t.C {
		done := make(chan error, 1)
		go func() {
			_, _, err := sc.SendRequest("keepalive@openssh.com", true, nil)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				return // connection gone
			}
		case <-time.After(3 * s.cfg.KeepaliveInterval):
			log.Info("no answer to keepalive; closing")
			sc.Close()
			return
		}
	}
}

// Close stops at once: listeners and connections.
func (s *Server) Close() {
	s.closing.Store(true)
	s.mu.Lock()
	for _, l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
}

// Shutdown stops accepting and closes the connections that have not
// logged in; the logged-in ones are the service's to drain
// (service.Drain, run beside it). When ctx ends, what is left is closed:
// cut uploads are discarded, never published half-written.
func (s *Server) Shutdown(ctx context.Context) {
	s.closing.Store(true)
	s.mu.Lock()
	for _, l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		for c := range s.conns {
			if c.login.Load() == nil {
				c.nc.Close()
			}
		}
		s.mu.Unlock()
		select {
		case <-done:
			return
		case <-ctx.Done():
			s.Close()
			<-done
			return
		case <-t.C:
		}
	}
}
