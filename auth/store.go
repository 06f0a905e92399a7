package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/dossierd/dossierd/catalogue"
)

// Store is the directory database. It is safe for concurrent use, and
// several Stores (in several processes) may use the same file at once.
type Store struct {
	db        *sql.DB
	layout    Layout
	nameCheck func(string) error
	now       func() time.Time // replaced by tests
	verifier  *verifier
}

// dsnParams configure every connection the pool opens:
//   - busy_timeout first (the driver applies it before the other pragmas),
//     so that the daemon and the CLI wait for each other's short write
//     transactions instead of failing with SQLITE_BUSY;
//   - WAL, so that readers (the daemon authenticating) never wait for a
//     writer, and a writer never waits for readers;
//   - foreign_keys, which SQLite leaves off per connection by default;
//   - synchronous NORMAL, which in WAL mode cannot corrupt the file and only
//     risks the last commits on power loss;
//   - _txlock=immediate: write transactions take the write lock at BEGIN,
//     where busy_timeout applies. A deferred transaction that reads and then
//     writes has to upgrade its lock, and SQLite fails such an upgrade with
//     SQLITE_BUSY at once, without waiting, when another process wrote in
//     between. Read-only transactions (sql.TxOptions{ReadOnly: true}) still
//     begin deferred.
const dsnParams = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"

// Open opens the directory at path, creating the file (mode 0600) and its
// parent directory (0700) if need be, and brings its schema up to date.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, catalogue.Error(catalogue.DatabaseNoPath)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, catalogue.Errorf(catalogue.DatabaseOpenPath, path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, catalogue.Errorf(catalogue.DatabaseOpen, err)
	}
	// The file holds password hashes. SQLite would create it with 0644 (less
	// the umask); creating it first fixes the mode, and SQLite gives the
	// -wal and -shm files the mode of the database file.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, catalogue.Errorf(catalogue.DatabaseOpen, err)
	}
	f.Close()

	// A "file:" URI, with the path escaped, so that a '?', '#' or '%' in the
	// path is not taken for the start of the parameters.
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + dsnParams
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, catalogue.Errorf(catalogue.DatabaseOpenPath, path, err)
	}
	s := &Store{db: db, layout: opts.Layout, nameCheck: opts.CheckName, now: time.Now, verifier: newVerifier()}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, catalogue.Errorf(catalogue.DatabaseOpenPath, path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the database, for packages that keep their own tables in the
// same file (audit, defender). Their tables are created by this package's
// migrations, the one place that versions the schema (PRAGMA
// user_version): a change to them is a new migration here.
// Begin write transactions with BeginTx(ctx, nil): the connections begin
// IMMEDIATE, which avoids SQLITE_BUSY on lock upgrades.
func (s *Store) DB() *sql.DB { return s.db }

// Generation returns a number that grows with every change to accounts,
// sessions and enrollments, whichever process made it. Triggers bump it in
// the transaction that makes the change, so a reader that sees the change
// sees the new number too. The daemon polls it to know when to reload.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	return readGeneration(ctx, s.db)
}

func readGeneration(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int64, error) {
	var g int64
	if err := q.QueryRowContext(ctx, `SELECT value FROM generation WHERE id = 1`).Scan(&g); err != nil {
		return 0, fmt.Errorf("reading directory generation: %w", err)
	}
	return g, nil
}

// Probe tells whether the database can serve the daemon, for health
// checks: within ctx it must begin a write transaction (the connections
// begin IMMEDIATE, so this takes the write lock that the audit trail, the
// defender and the admin commands need; nothing is written) and read the
// generation counter. A lock held elsewhere past ctx (a stuck sqlite3
// shell, a wedged process) or a damaged file fails it.
func (s *Store) Probe(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = readGeneration(ctx, tx)
	return err
}

// migrations are applied in order (migrate). Never edit one that has
// shipped: append a new one.
var migrations = []string{
	// 1: accounts, sessions, enrollments, generation.
	`
CREATE TABLE accounts (
	id            INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: logs may name it
	login         TEXT NOT NULL UNIQUE COLLATE NOCASE, -- logins are ASCII, which NOCASE folds
	role          TEXT NOT NULL CHECK (role IN ('client', 'trainee', 'trainer', 'staff')),
	ref           TEXT NOT NULL DEFAULT '',
	name          TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL DEFAULT '',
	public_keys   TEXT NOT NULL DEFAULT '', -- normalised authorized_keys lines, one a line
	disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	expires_at    TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD, last usable day, local time
	created_at    TEXT NOT NULL, -- RFC 3339, UTC
	updated_at    TEXT NOT NULL,
	CHECK ((role = 'staff') = (ref = ''))
);
CREATE INDEX accounts_role_ref ON accounts (role, ref);

CREATE TABLE sessions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	code       TEXT NOT NULL UNIQUE,
	code_key   TEXT NOT NULL UNIQUE, -- case-folded code (Unicode, unlike NOCASE)
	title      TEXT NOT NULL DEFAULT '',
	starts_on  TEXT NOT NULL DEFAULT '',
	ends_on    TEXT NOT NULL DEFAULT '',
	folder     TEXT NOT NULL,
	folder_key TEXT NOT NULL UNIQUE, -- case-folded folder
	hidden     INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1))
);

-- An enrolment names a TMS entity (role, ref), not a login: several logins
-- may share a ref, and none has to be re-enrolled when a login is replaced.
CREATE TABLE enrollments (
	session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	role       TEXT NOT NULL CHECK (role IN ('client', 'trainee', 'trainer')),
	ref        TEXT NOT NULL,
	PRIMARY KEY (session_id, role, ref)
) WITHOUT ROWID;
CREATE INDEX enrollments_role_ref ON enrollments (role, ref);

CREATE TABLE generation (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	value INTEGER NOT NULL
);
INSERT INTO generation (id, value) VALUES (1, 1);

CREATE TRIGGER accounts_insert AFTER INSERT ON accounts BEGIN UPDATE generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_update AFTER UPDATE ON accounts BEGIN UPDATE generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_delete AFTER DELETE ON accounts BEGIN UPDATE generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER sessions_insert AFTER INSERT ON sessions BEGIN UPDATE generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER sessions_update AFTER UPDATE ON sessions BEGIN UPDATE generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER sessions_delete AFTER DELETE ON sessions BEGIN UPDATE generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER enrollments_insert AFTER INSERT ON enrollments BEGIN UPDATE generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER enrollments_update AFTER UPDATE ON enrollments BEGIN UPDATE generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER enrollments_delete AFTER DELETE ON enrollments BEGIN UPDATE generation SET value = value + 1 WHERE id = 1; END;
`,
	// 2: the tables other packages keep in this file: the audit trail
	// (package audit) and the defender's state, shared with `dossierd
	// defender` (package defender). Versions up to this one had those
	// packages create them at start; IF NOT EXISTS lets a database where
	// they did so migrate as it is.
	`
CREATE TABLE IF NOT EXISTS audit (
	id        INTEGER PRIMARY KEY,
	time      TEXT NOT NULL, -- UTC, microseconds, sorts as text
	login     TEXT NOT NULL,
	role      TEXT NOT NULL,
	remote    TEXT NOT NULL,
	protocol  TEXT NOT NULL,
	action    TEXT NOT NULL,
	path      TEXT NOT NULL,
	target    TEXT NOT NULL,
	bytes     INTEGER NOT NULL,
	duration  INTEGER NOT NULL,
	result    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_time ON audit (time);
CREATE INDEX IF NOT EXISTS audit_login_time ON audit (login COLLATE NOCASE, time);

CREATE TABLE IF NOT EXISTS defender_hosts (
	ip           TEXT PRIMARY KEY,
	score        INTEGER NOT NULL,
	banned_until TEXT NOT NULL DEFAULT '',
	bans         INTEGER NOT NULL DEFAULT 0,
	updated_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS defender_unbans (
	ip           TEXT PRIMARY KEY,
	requested_at TEXT NOT NULL
);
`,
	// 3: the web and the API (package httpd, its api, events): which client
	// sent each trainee, web sessions, invitation links, API keys and the
	// events' outbox. Secrets are stored as SHA-256 of 256 random bits:
	// nothing to guess, so a slow hash would only cost every request.
	`
ALTER TABLE enrollments ADD COLUMN client TEXT NOT NULL DEFAULT ''; -- a trainee's: the ref of the client that sent them
ALTER TABLE accounts ADD COLUMN email TEXT NOT NULL DEFAULT ''; -- where invitation links are sent

CREATE TABLE web_sessions (
	token_hash TEXT PRIMARY KEY, -- hex SHA-256 of the cookie's token
	login      TEXT NOT NULL COLLATE NOCASE,
	remote     TEXT NOT NULL,
	created_at TEXT NOT NULL, -- RFC 3339, UTC
	seen_at    TEXT NOT NULL,
	expires_at TEXT NOT NULL  -- absolute end
);
CREATE INDEX web_sessions_login ON web_sessions (login COLLATE NOCASE);
-- A new password (CLI, import, API, invitation, from any process) or a
-- deleted account ends the login's web sessions, even those no daemon has
-- in memory (opened before a restart): the core's kick only reaches open
-- connections.
CREATE TRIGGER web_sessions_password AFTER UPDATE OF password_hash ON accounts
	WHEN NEW.password_hash IS NOT OLD.password_hash
	BEGIN DELETE FROM web_sessions WHERE login = OLD.login; END;
CREATE TRIGGER web_sessions_account AFTER DELETE ON accounts
	BEGIN DELETE FROM web_sessions WHERE login = OLD.login; END;

-- By account id, not login: a link made for a deleted account must not
-- open a later account that reuses the login (ids are never reused).
CREATE TABLE invitations (
	token_hash TEXT PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at    TEXT NOT NULL DEFAULT '',
	replaced   INTEGER NOT NULL DEFAULT 0 CHECK (replaced IN (0, 1)) -- a newer link was made for the account
);
CREATE INDEX invitations_account ON invitations (account_id);

CREATE TABLE api_keys (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	name         TEXT NOT NULL COLLATE NOCASE,
	key_hash     TEXT NOT NULL UNIQUE,
	scopes       TEXT NOT NULL, -- comma-separated
	expires_at   TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD, last usable day
	created_at   TEXT NOT NULL,
	last_used_at TEXT NOT NULL DEFAULT '',
	revoked_at   TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX api_keys_name ON api_keys (name COLLATE NOCASE) WHERE revoked_at = '';

CREATE TABLE event_outbox (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT, -- delivery order
	event_id     TEXT NOT NULL,
	webhook      TEXT NOT NULL, -- the receiver's URL
	login        TEXT NOT NULL,
	type         TEXT NOT NULL,
	body         TEXT NOT NULL, -- the exact JSON posted and signed
	created_at   TEXT NOT NULL,
	retry_since  TEXT NOT NULL, -- start of the retry window: creation, or the last "events retry"
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt TEXT NOT NULL,
	last_error   TEXT NOT NULL DEFAULT '',
	delivered_at TEXT NOT NULL DEFAULT '',
	failed_at    TEXT NOT NULL DEFAULT '' -- no index on event_id: each is one more page written before every reply; "events retry ID" scans
);
CREATE INDEX event_outbox_pending ON event_outbox (webhook, seq) WHERE delivered_at = '' AND failed_at = '';
-- The accounts as events last saw them, so that account_disabled fires
-- once per change, whoever made it (CLI, import, API, expiry).
CREATE TABLE event_accounts (
	login  TEXT PRIMARY KEY COLLATE NOCASE,
	role   TEXT NOT NULL,
	ref    TEXT NOT NULL,
	usable INTEGER NOT NULL
);
`,
	// 4: the unfinished web uploads a shutdown set aside (vfs.Parked), so
	// that a page continues its file after the restart. Owned by httpd,
	// like web_sessions; a row whose web session is gone, or older than
	// vfs.ParkedKeep, is swept with its file.
	`
CREATE TABLE web_uploads (
	file_key   TEXT PRIMARY KEY, -- the web session's hash and the page's identity of the file (folder, name, size, date)
	token_hash TEXT NOT NULL,    -- its web session
	path       TEXT NOT NULL,    -- the virtual path written
	temp       TEXT NOT NULL,    -- the parked file, relative to the storage root
	size       INTEGER NOT NULL, -- the bytes it holds: where the page continues
	target     TEXT NOT NULL,    -- the state of the file at path when parked ("" none): a changed one is not continued over
	parked_at  TEXT NOT NULL
);
`,
}

// migrate brings the schema up to date: forward only, every missing
// migration and the PRAGMA user_version that records them in one
// transaction, so that an upgrade across several versions either
// completes or leaves the file as it was. The transaction is IMMEDIATE
// (dsnParams) and reads the version after taking the write lock, so two
// processes opening a file at the same time do not both migrate it: the
// second waits for the first and then finds nothing to do.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	switch {
	case version > len(migrations):
		return catalogue.Errorf(catalogue.DatabaseNewer, version, len(migrations))
	case version == len(migrations):
		return nil
	}
	for v := version; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
	// PRAGMA takes no parameters; the version is a number we computed.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
		return fmt.Errorf("migrations %d-%d: %w", version+1, len(migrations), err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrations %d-%d: %w", version+1, len(migrations), err)
	}
	return nil
}

// write runs fn in a write transaction and commits it if fn succeeds.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return dbError(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return dbError(tx.Commit())
}

// dbError labels an error from the database itself, as opposed to the
// validation and sentinel errors, which speak for themselves.
func dbError(err error) error {
	if err == nil {
		return nil
	}
	return catalogue.Errorf(catalogue.DatabaseErr, err)
}

// isConstraint reports whether err is a UNIQUE (or other constraint)
// violation. The store checks for duplicates before inserting, to say which
// thing is duplicated; this is the backstop.
func isConstraint(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func parseTimestamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}
