// Package service is the protocol-neutral layer both daemons share, in the
// way SFTPGo's common package sits under its protocols: it turns a
// successful authentication into a connection with its own vfs.FS, keeps
// the registry of open connections, and follows changes of the directory
// (made by the CLI or an import in another process) to rebuild trees and
// close the connections of accounts that may no longer log in.
package service

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/defender"
	"github.com/dossierd/dossierd/domain"
	"github.com/dossierd/dossierd/vfs"
)

// Directory is what the service needs of the account directory;
// *auth.Store implements it.
type Directory interface {
	Authenticate(ctx context.Context, login, password string) (auth.Account, error)
	AuthenticateKey(ctx context.Context, login string, key ssh.PublicKey) (auth.Account, error)
	Account(ctx context.Context, login string) (auth.Account, error)
	SessionsOf(ctx context.Context, role, ref string) ([]auth.Session, error)
	Generation(ctx context.Context) (int64, error)
	LoginKnown(ctx context.Context, login string) (bool, error)
}

// Options configure a Service.
type Options struct {
	Layout      vfs.Layout
	FS          vfs.Options
	IdleTimeout time.Duration // 0: none
	Logger      *slog.Logger
	Audit       *audit.Recorder    // nil: no trail
	Defender    *defender.Defender // nil: no bans
	Limits      *defender.Limits   // nil: no limits
	Metrics     Metrics            // nil: none
	// RoleLimits are the limits of each role's logins; a role without an
	// entry has none.
	RoleLimits map[string]RoleLimits
	// MaxOpenHandles bounds the files and listings one connection holds
	// open at once (sftpd.max_open_handles); 0 = unlimited.
	MaxOpenHandles int
}

// RoleLimits bound what the logins of one role may hold.
type RoleLimits struct {
	MaxConnections    int   // concurrent connections of one login; 0 = unlimited
	MaxUploadFileSize int64 // bytes per uploaded file; 0 = no limit
}

// Service is shared by the SFTP and FTP servers of one daemon.
type Service struct {
	dir     Directory
	storage *vfs.Storage
	opts    atomic.Pointer[Options] // replaced whole by Reconfigure
	log     *slog.Logger

	mu     sync.Mutex
	conns  map[uint64]*Conn
	nextID atomic.Uint64

	refusals logThrottle // "connection refused" lines
}

// logThrottle lets a repeated log line through at most once a second.
type logThrottle struct {
	mu    sync.Mutex
	last  time.Time
	quiet int
}

// allow reports whether a line may be written now, and how many were
// held back since the last one.
func (t *logThrottle) allow(now time.Time) (ok bool, suppressed int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.last) < time.Second {
		t.quiet++
		return false, 0
	}
	suppressed, t.quiet, t.last = t.quiet, 0, now
	return true, suppressed
}

// New makes the service.
func New(dir Directory, storage *vfs.Storage, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = noMetrics{}
	}
	s := &Service{dir: dir, storage: storage, log: opts.Logger, conns: map[uint64]*Conn{}}
	s.opts.Store(&opts)
	return s
}

// o is the options in force: read once per decision, so that a reload
// (Reconfigure) never mixes two versions in one.
func (s *Service) o() *Options { return s.opts.Load() }

// Reconfigure applies the options that may change while the service runs
// (a configuration reload): Layout, FS, IdleTimeout, RoleLimits and
// MaxOpenHandles. Logger, Audit, Defender, Limits and Metrics are the
// service's for its life (the defender and the limits have setters of
// their own). The open connections get their new upload options at once
// (an upload in progress keeps those it began with); their trees are
// rebuilt with the new layout by the next Refresh(ctx, true), which the
// caller runs.
func (s *Service) Reconfigure(opts Options) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := *s.o()
	next.Layout, next.FS, next.IdleTimeout = opts.Layout, opts.FS, opts.IdleTimeout
	next.RoleLimits, next.MaxOpenHandles = opts.RoleLimits, opts.MaxOpenHandles
	s.opts.Store(&next)
	for _, c := range s.conns {
		c.FS.SetOptions(next.fsOptions(c.Account(), c.Protocol))
	}
}

// AlwaysAtomic are the protocols whose uploads are atomic whatever
// common.upload_mode: the web's chunked uploads and the API's PUT, whose
// clients resume from their own copy and must never see half a file
// published (SFTPGo issue #1983: a page reload published a partial file).
var AlwaysAtomic = map[string]bool{"HTTP": true, "API": true}

// fsOptions are the vfs options of one login's connection.
func (o *Options) fsOptions(a auth.Account, protocol string) vfs.Options {
	fs := o.FS
	fs.MaxFileSize = o.RoleLimits[a.Role].MaxUploadFileSize
	fs.Owner = a.Login
	if AlwaysAtomic[protocol] && fs.UploadMode == vfs.UploadDirect {
		fs.UploadMode = vfs.UploadAtomic
	}
	return fs
}

// IdleTimeout is common.idle_timeout in force (0: none); the web tells an
// idle session from a live one with it after a restart.
func (s *Service) IdleTimeout() time.Duration { return s.o().IdleTimeout }

// Logger is the service's logger, for the protocol servers.
func (s *Service) Logger() *slog.Logger { return s.log }

// Conn is one logged-in connection, whatever its protocol.
type Conn struct {
	ID       uint64
	Protocol string // "SFTP", "FTP", "FTPS"
	Remote   string // remote address
	FS       *vfs.FS
	Started  time.Time

	account   atomic.Pointer[auth.Account] // replaced when the directory changes
	svc       *Service
	kick      func(reason string) // closes the transport
	closing   sync.Once
	transfers transfers
	// fixed marks an identity that is not an account of the directory (an
	// API key's, verified at each request): a directory change rebuilds
	// its tree but has no account to re-read.
	fixed bool
}

// Account is the account as last read from the directory.
func (c *Conn) Account() auth.Account { return *c.account.Load() }

// Log is a logger carrying the connection's identity.
func (c *Conn) Log() *slog.Logger {
	a := c.account.Load()
	return c.svc.log.With("conn", c.ID, "protocol", c.Protocol, "remote", c.Remote, "login", a.Login, "role", a.Role)
}

// Audit records one operation of this connection in the trail.
// Telemetry's transfer and refused-name counts are derived here too: every
// operation of both protocols passes through.
func (c *Conn) Audit(action, path, target string, bytes int64, d time.Duration, err error) {
	c.count(action, bytes, d, err)
	if c.svc.o().Audit == nil {
		return
	}
	a := c.account.Load()
	result := "ok"
	if err != nil {
		result = err.Error()
	}
	c.svc.o().Audit.Record(audit.Event{Login: a.Login, Role: a.Role, Remote: c.Remote, Protocol: c.Protocol,
		Action: action, Path: path, Target: target, Bytes: bytes, Duration: d, Result: result})
}

// Close unregisters the connection and releases its FS. The protocol
// server calls it when the transport ends.
func (c *Conn) Close() {
	c.closing.Do(func() {
		c.svc.mu.Lock()
		delete(c.svc.conns, c.ID)
		c.svc.mu.Unlock()
		c.svc.o().Metrics.ConnClosed(metricProtocol(c.Protocol))
		c.FS.Close()
		c.Log().Info("logout", "duration", time.Since(c.Started).Round(time.Millisecond).String())
	})
}

// ErrLoginConnections refuses a login that already has as many
// connections open as its role allows.
var ErrLoginConnections = errors.New("too many connections")

// LoginConnectionsError says how many connections a login may have; it wraps
// ErrLoginConnections.
type LoginConnectionsError struct{ Max int }

func (e *LoginConnectionsError) Error() string {
	return catalogue.TooManyLoginConnections.F(e.Max)
}

func (e *LoginConnectionsError) Unwrap() error { return ErrLoginConnections }

// CheckLoginConnections tells whether one more connection of a may open now;
// protocols that can show a message before the login completes (an SSH
// banner) ask it first. Open decides.
func (s *Service) CheckLoginConnections(a auth.Account) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkLoginConnections(a)
}

func (s *Service) checkLoginConnections(a auth.Account) error {
	max := s.o().RoleLimits[a.Role].MaxConnections
	if max <= 0 {
		return nil
	}
	n := 0
	for _, c := range s.conns {
		if c.account.Load().Login == a.Login {
			n++
		}
	}
	if n >= max {
		return &LoginConnectionsError{Max: max}
	}
	return nil
}

// CheckPassword verifies a password. A failure scores the remote address
// (unknown login and wrong password score differently, as in SFTPGo) and
// goes to the audit trail; the caller gets auth's uniform errors.
func (s *Service) CheckPassword(ctx context.Context, protocol, remote, login, password string) (auth.Account, error) {
	a, err := s.dir.Authenticate(ctx, login, password)
	s.authFailed(ctx, protocol, remote, login, "password", err)
	return a, err
}

// MatchKey tells whether key is one of login's keys, whatever the state of
// the account: SSH clients offer keys unsigned first, and the answer to
// such a query must not tell a disabled or expired account from any
// other. A key that does not match is a probe, not a failed login.
// KeyVerified, once the client has signed, checks the account's state.
func (s *Service) MatchKey(ctx context.Context, protocol, remote, login string, key ssh.PublicKey) (auth.Account, error) {
	a, err := s.dir.AuthenticateKey(ctx, login, key)
	if errors.Is(err, auth.ErrDisabled) || errors.Is(err, auth.ErrExpired) {
		return s.dir.Account(ctx, login) // the key matched
	}
	s.authFailed(ctx, protocol, remote, login, "publickey", err)
	return a, err
}

// KeyVerified checks that the account whose key the client proved it
// holds may log in now; a refusal scores and is audited like a password
// refused for the same reason.
func (s *Service) KeyVerified(ctx context.Context, protocol, remote string, a auth.Account) error {
	err := a.Usable(time.Now())
	s.authFailed(ctx, protocol, remote, a.Login, "publickey", err)
	return err
}

func (s *Service) authFailed(ctx context.Context, protocol, remote, login, method string, err error) {
	if err == nil {
		return
	}
	if method == "publickey" && errors.Is(err, auth.ErrInvalidCredentials) {
		// A key offered and not accepted is how clients probe their keys
		// before trying the password: not a guess, not a login attempt.
		s.log.Debug("public key not accepted", "protocol", protocol, "remote", remote, "login", login)
		return
	}
	result := LoginFailed
	if errors.Is(err, auth.ErrDisabled) || errors.Is(err, auth.ErrExpired) {
		result = LoginRefused
	}
	s.o().Metrics.Login(metricProtocol(protocol), result)
	s.log.Warn("login failed", "protocol", protocol, "remote", remote, "login", login, "method", method, "reason", err.Error())
	s.o().Audit.Record(audit.Event{Login: login, Remote: remote, Protocol: protocol, Action: audit.Login, Result: err.Error()})
	if !s.o().Defender.Enabled() {
		return
	}
	ev := defender.LoginFailed
	if known, kerr := s.dir.LoginKnown(ctx, login); kerr == nil && !known {
		ev = defender.LoginUnknown
	}
	if ip := hostOf(remote); s.o().Defender.Add(ip, ev) {
		s.log.Warn("address banned", "remote", ip.String(), "until", s.o().Defender.BannedUntil(ip).Format(time.RFC3339))
	}
}

func hostOf(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// ErrBanned refuses a banned address at accept.
var ErrBanned = catalogue.Error(catalogue.Banned)

// Admit is called at accept, before any handshake: a banned address is
// refused, and the connection takes a slot of the connection limits. The
// caller must call release when the connection ends.
func (s *Service) Admit(remote net.Addr) (release func(), err error) {
	ip := defender.AddrOf(remote)
	if s.o().Defender.IsBanned(ip) {
		return nil, ErrBanned
	}
	if s.o().Limits == nil {
		return func() {}, nil
	}
	release, err = s.o().Limits.Admit(ip)
	if err != nil {
		// One client over the limits retries at once, in a loop: a line
		// a second says so, with the count of those not logged.
		if ok, quiet := s.refusals.allow(time.Now()); ok {
			s.log.Warn("connection refused", "remote", remote.String(), "reason", err.Error(), "suppressed", quiet)
		}
		// A client that logged in from this address is not guessing: a sync
		// tool opening more connections than the limit is refused, not
		// banned.
		if !s.loggedInFrom(ip) {
			s.o().Defender.Add(ip, defender.LimitExceeded)
		}
	}
	return release, err
}

// loggedInFrom reports an authenticated connection open from ip.
func (s *Service) loggedInFrom(ip netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		if hostOf(c.Remote) == ip {
			return true
		}
	}
	return false
}

// NoAuth scores a connection that ended without trying to authenticate.
func (s *Service) NoAuth(remote net.Addr) {
	s.o().Defender.Add(defender.AddrOf(remote), defender.NoAuth)
}

// Defender is the shared defender (nil when disabled).
func (s *Service) Defender() *defender.Defender { return s.o().Defender }

// Open turns a verified account into a connection: its tree is built once
// here (not per request) and rebuilt only when the directory changes.
// kick must close the transport; the protocol server then calls Close.
func (s *Service) Open(ctx context.Context, a auth.Account, protocol, remote string, kick func(reason string)) (*Conn, error) {
	return s.open(ctx, a, protocol, remote, kick, false)
}

func (s *Service) open(ctx context.Context, a auth.Account, protocol, remote string, kick func(reason string), fixed bool) (*Conn, error) {
	if err := a.Usable(time.Now()); err != nil {
		s.log.Warn("login refused", "protocol", protocol, "remote", remote, "login", a.Login, "reason", err.Error())
		return nil, err
	}
	opts := s.o()
	tree, err := BuildTree(ctx, s.dir, opts.Layout, a)
	if err != nil {
		s.log.Error("login refused: tree not built", "protocol", protocol, "remote", remote, "login", a.Login, "err", err)
		return nil, err
	}
	c := &Conn{
		ID: s.nextID.Add(1), Protocol: protocol, Remote: remote,
		FS: s.storage.NewFS(tree, opts.fsOptions(a, protocol)), Started: time.Now(), svc: s, kick: kick, fixed: fixed,
	}
	c.account.Store(&a)
	s.mu.Lock()
	if now := s.o(); now != opts {
		// A reload came while the tree was built: this connection was not
		// registered for Reconfigure to see, so it takes the new options
		// here, and its tree is rebuilt below.
		c.FS.SetOptions(now.fsOptions(a, protocol))
	}
	if err := s.checkLoginConnections(a); err != nil {
		s.mu.Unlock()
		c.FS.Close()
		s.o().Metrics.Login(metricProtocol(protocol), LoginRefused)
		s.log.Warn("login refused", "protocol", protocol, "remote", remote, "login", a.Login, "reason", err.Error())
		s.o().Audit.Record(audit.Event{Login: a.Login, Role: a.Role, Remote: remote, Protocol: protocol, Action: audit.Login, Result: err.Error()})
		return nil, err
	}
	s.conns[c.ID] = c
	stale := s.o() != opts
	s.mu.Unlock()
	if stale {
		if t, err := s.tree(ctx, a); err == nil {
			c.FS.SetTree(t)
			tree = t
		}
	}
	s.o().Metrics.ConnOpened(metricProtocol(protocol))
	s.o().Metrics.Login(metricProtocol(protocol), LoginOK)
	c.Log().Info("login", "mounts", len(tree.Mounts()))
	c.Audit(audit.Login, "", "", 0, 0, nil)
	return c, nil
}

// Tree builds the tree an account sees (also for `dossierd tree`).
func (s *Service) tree(ctx context.Context, a auth.Account) (*vfs.Tree, error) {
	return BuildTree(ctx, s.dir, s.o().Layout, a)
}

// BuildTree builds the tree of one account from the directory.
func BuildTree(ctx context.Context, dir Directory, layout vfs.Layout, a auth.Account) (*vfs.Tree, error) {
	id := vfs.Identity{Login: a.Login, Role: a.Role, Ref: a.Ref}
	if a.Role != domain.RoleStaff {
		sessions, err := dir.SessionsOf(ctx, a.Role, a.Ref)
		if err != nil {
			return nil, err
		}
		for _, se := range sessions {
			id.Sessions = append(id.Sessions, vfs.SessionFolder{Code: se.Code, Folder: se.Folder})
		}
	}
	return vfs.NewTree(id, layout), nil
}

// Conns returns the open connections.
func (s *Service) Conns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Conn, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *Conn) int { return int(a.ID) - int(b.ID) })
	return out
}

// Kick closes one connection's transport, telling the user why where the
// protocol allows it: reason is the user's sentence (catalogue).
func (c *Conn) Kick(reason string) {
	c.Log().Warn("closing connection", "reason", reason)
	if c.kick != nil {
		c.kick(reason)
	}
}

// unusable is the sentence telling a connected user that their account
// may no longer log in.
func unusable(err error) string {
	if errors.Is(err, auth.ErrExpired) {
		return catalogue.KickExpired.F()
	}
	return catalogue.KickDisabled.F()
}

// Drain is the shutdown of every connection, whatever its protocol: each
// is closed as soon as it is quiet (Conn.Quiet: no transfer open, no
// request for a moment), the others when ctx ends; their users are told
// why. It returns once no connection is registered, or after a bound
// that only keeps a bug from hanging the exit.
func (s *Service) Drain(ctx context.Context) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	kicked := map[*Conn]bool{}
	// The kicks run side by side: each may wait a moment to tell its
	// user why (a client that stopped reading), and one after the other
	// they would add up past any bound.
	var kicks sync.WaitGroup
	defer kicks.Wait()
	var giveUp time.Time // once ctx ended
	for {
		conns := s.Conns()
		if len(conns) == 0 {
			return
		}
		late := ctx.Err() != nil
		for _, c := range conns {
			if !kicked[c] && (late || c.Quiet()) {
				kicked[c] = true
				kicks.Add(1)
				go func() {
					defer kicks.Done()
					c.Kick(catalogue.KickShutdown.F())
				}()
			}
		}
		switch {
		case late && giveUp.IsZero():
			giveUp = time.Now().Add(10 * time.Second)
		case late && time.Now().After(giveUp):
			s.log.Error("connections still open after shutdown", "count", len(conns))
			return
		}
		if late {
			<-t.C
			continue
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
}

// Watch follows the directory until ctx ends: every interval it compares
// the directory's generation counter (one cheap query) and, when it moved,
// re-reads the accounts that are connected; it also enforces expiry and
// the idle timeout.
func (s *Service) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	last, err := s.dir.Generation(ctx)
	if err == nil {
		s.o().Metrics.DirectoryGeneration(last)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		gen, err := s.dir.Generation(ctx)
		if err != nil {
			s.log.Error("directory poll failed", "err", err)
			continue
		}
		s.o().Metrics.DirectoryGeneration(gen)
		s.Refresh(ctx, gen != last)
		last = gen
	}
}

// Refresh applies directory changes (when changed) and time-based rules to
// the open connections.
func (s *Service) Refresh(ctx context.Context, changed bool) {
	now := time.Now()
	idle := s.o().IdleTimeout
	trees := map[string]*vfs.Tree{}
	for _, c := range s.Conns() {
		old := c.Account()
		if idle > 0 && now.Sub(c.FS.LastActivity()) > idle {
			c.Kick(catalogue.KickIdle.F(int(idle.Minutes())))
			continue
		}
		if !changed {
			if err := old.Usable(now); err != nil {
				c.Kick(unusable(err))
			}
			continue
		}
		a, err := old, error(nil)
		if !c.fixed {
			a, err = s.dir.Account(ctx, old.Login)
		}
		switch {
		case errors.Is(err, auth.ErrNotFound):
			c.Kick(catalogue.KickDeleted.F())
			continue
		case err != nil:
			s.log.Error("directory read failed", "login", old.Login, "err", err)
			continue
		}
		if err := a.Usable(now); err != nil {
			c.Kick(unusable(err))
			continue
		}
		if a.PasswordHash != old.PasswordHash || !slices.Equal(a.PublicKeys, old.PublicKeys) {
			c.Kick(catalogue.KickCredentials.F())
			continue
		}
		if a.Role != old.Role || a.Ref != old.Ref {
			c.Kick(catalogue.KickRole.F())
			continue
		}
		key := a.Role + "\x00" + a.Ref
		tree, ok := trees[key]
		if !ok {
			if tree, err = s.tree(ctx, a); err != nil {
				s.log.Error("tree rebuild failed", "login", a.Login, "err", err)
				continue
			}
			trees[key] = tree
		}
		c.account.Store(&a)
		c.FS.SetTree(tree)
	}
}
