// Package sqlstore implements store.Store once, in plain SQL over
// database/sql, for every SQL backend. A Dialect supplies the little that
// differs: placeholder syntax and how driver errors map onto the store's
// sentinel errors. Each backend package opens its driver, owns its
// migrations and builds a Store with its Dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Dialect is what differs between SQL backends.
type Dialect struct {
	// Goose names the migration dialect.
	Goose goose.Dialect
	// Numbered placeholders ($1, $2, …) instead of '?'.
	Numbered bool
	// ModifyingCTE: a WITH clause may hold an UPDATE … RETURNING, so a
	// write and a join can share one statement.
	ModifyingCTE bool
	// ForUpdate is the clause that makes a SELECT inside a transaction
	// lock its rows (" FOR UPDATE"); empty where a transaction holds the
	// database's write lock from its start (SQLite's BEGIN IMMEDIATE).
	ForUpdate string
	// Translate maps a driver error onto store.ErrConflict or
	// store.ErrUnavailable where it means one; other errors pass through.
	Translate func(error) error
	// Migrations holds the dialect's versioned .sql files.
	Migrations fs.FS
	// MigrationOptions adds provider options, such as a lock that lets
	// several replicas start at once.
	MigrationOptions []goose.ProviderOption
	// CacheStatements keeps queries prepared (see stmtCache), for a driver
	// that does not cache them itself (PostgreSQL's pgx does).
	CacheStatements bool
	// InsertOrRollback: the database has INSERT OR ROLLBACK, which ends
	// the whole transaction on a conflict (see Store.eventQueries).
	InsertOrRollback bool
	// EventTargetsInBody: the schema keeps no log_event_targets table, and
	// target filters read the event body's Targets (SQLite, since 00013).
	EventTargetsInBody bool
}

// Store is a store.Store over one SQL database.
type Store struct {
	// db serves reads; wdb serves every write and transaction. They are
	// one pool on PostgreSQL. On SQLite wdb is one connection, so writers
	// queue in the pool (first come, first served) instead of meeting in
	// SQLite's busy handler, whose sleeps of up to 100 ms at a time gave
	// writes under load latencies of seconds; reads run beside them (WAL).
	db      *sql.DB
	wdb     *sql.DB
	dialect Dialect
	// writeTurn, when set (a split store), lets one write or transaction
	// run at a time, in arrival order: blocked channel senders are served
	// first come, first served, while database/sql hands a freed
	// connection to a random waiter, which left unlucky writes waiting
	// for seconds under load.
	writeTurn chan struct{}
	// readStmts and writeStmts keep queries prepared on db and wdb; nil
	// when the dialect does not ask for it.
	readStmts, writeStmts *stmtCache
}

var _ store.Store = (*Store)(nil)

// New migrates db and returns a Store over it. A database whose schema is
// newer than the migrations this binary embeds is refused.
func New(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	return NewSplit(ctx, db, db, d)
}

// NewSplit is New with separate handles for reads and for writes (see
// Store); read must never be asked to write.
func NewSplit(ctx context.Context, read, write *sql.DB, d Dialect) (*Store, error) {
	s := &Store{db: read, wdb: write, dialect: d}
	if read != write {
		s.writeTurn = make(chan struct{}, 1)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	if d.CacheStatements { // after migrating: statements are prepared against the final schema
		s.readStmts, s.writeStmts = newStmtCache(read), newStmtCache(write)
		if read == write {
			s.readStmts = s.writeStmts
		}
	}
	return s, nil
}

// DB is the handle writes go through, for backend-specific tests and tools.
func (s *Store) DB() *sql.DB { return s.wdb }

func (s *Store) provider() (*goose.Provider, error) {
	p, err := goose.NewProvider(s.dialect.Goose, s.wdb, s.dialect.Migrations, s.dialect.MigrationOptions...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

func (s *Store) migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", s.translate(err))
	}
	sources := p.ListSources()
	known := sources[len(sources)-1].Version
	if current > known {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d): upgrade Gatehouse", current, known)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// MigrationStatus lists each migration and whether it is applied.
func (s *Store) MigrationStatus(ctx context.Context) ([]*goose.MigrationStatus, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	return p.Status(ctx)
}

// Close closes the database.
func (s *Store) Close() error {
	s.readStmts.close()
	s.writeStmts.close()
	err := s.db.Close()
	if s.wdb != s.db {
		err = errors.Join(err, s.wdb.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.translate(s.db.PingContext(ctx)) }

// awaitWriteTurn waits for this write's turn (see Store.writeTurn) and
// returns the function that ends it.
func (s *Store) awaitWriteTurn(ctx context.Context) (done func(), err error) {
	if s.writeTurn == nil {
		return func() {}, nil
	}
	select {
	case s.writeTurn <- struct{}{}:
		return func() { <-s.writeTurn }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting to write: %v", store.ErrUnavailable, ctx.Err())
	}
}

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	done, err := s.awaitWriteTurn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	query = s.rebind(query)
	if st := s.writeStmts.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.wdb.ExecContext(ctx, query, args...)
}

// writeRow runs a write that returns a row (UPDATE … RETURNING) and scans
// it with scan, within the write's turn.
func (s *Store) writeRow(ctx context.Context, scan func(*sql.Row) error, query string, args ...any) error {
	done, err := s.awaitWriteTurn(ctx)
	if err != nil {
		return err
	}
	defer done()
	query = s.rebind(query)
	if st := s.writeStmts.get(ctx, query); st != nil {
		return scan(st.QueryRowContext(ctx, args...))
	}
	return scan(s.wdb.QueryRowContext(ctx, query, args...))
}

// oneRow turns the result of a write meant for one row into nil, a
// translated error, or store.ErrNotFound when no row matched.
func (s *Store) oneRow(res sql.Result, err error) error {
	if err != nil {
		return s.translate(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.translate(err)
	} else if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// execOne runs a write that must touch a row: none is store.ErrNotFound.
func (s *Store) execOne(ctx context.Context, query string, args ...any) error {
	return s.oneRow(s.exec(ctx, query, args...))
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	query = s.rebind(query)
	if st := s.readStmts.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.db.QueryRowContext(ctx, query, args...)
}

// query runs a read that returns rows.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = s.rebind(query)
	if st := s.readStmts.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.db.QueryContext(ctx, query, args...)
}

// rebind turns '?' placeholders into $1, $2, … for dialects that number
// them. Queries here hold no '?' inside string literals.
func (s *Store) rebind(query string) string {
	if !s.dialect.Numbered {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// translate maps no-rows onto store.ErrNotFound and lets the dialect map
// the rest.
func (s *Store) translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return s.dialect.Translate(err)
}

// codeReplayWindow is how long a used or expired code row is kept, so that a
// replay can still be detected and can revoke the access token (lifetime 1 h)
// that the first redemption issued.
const codeReplayWindow = time.Hour

// DeleteExpired removes expired rows in bounded batches.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	total := 0
	for _, q := range []struct {
		sql    string
		cutoff time.Time
	}{
		{`DELETE FROM codes WHERE hash IN (SELECT hash FROM codes WHERE expires_at < ? LIMIT ?)`, now.Add(-codeReplayWindow)},
		{`DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions WHERE expires_at < ? LIMIT ?)`, now},
		{`DELETE FROM revoked_tokens WHERE jti IN (SELECT jti FROM revoked_tokens WHERE expires_at < ? LIMIT ?)`, now},
		// A rotated-out token is kept until its own idle expiry, so that its
		// replay is still recognised and ends the family.
		{`DELETE FROM refresh_tokens WHERE hash IN (SELECT hash FROM refresh_tokens WHERE idle_expires_at < ? LIMIT ?)`, now},
		{`DELETE FROM client_assertions WHERE jti_hash IN (SELECT jti_hash FROM client_assertions WHERE expires_at < ? LIMIT ?)`, now},
		// System Log events (published in milliseconds) past retention; their targets cascade.
		{`DELETE FROM log_events WHERE uuid IN (SELECT uuid FROM log_events WHERE published < CAST(? AS BIGINT) * 1000 LIMIT ?)`, now.Add(-store.EventRetention)},
	} {
		res, err := s.exec(ctx, q.sql, q.cutoff.Unix(), limit)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	return total, nil
}

// --- helpers ---

type scanner interface{ Scan(dest ...any) error }

func queryAll[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, s.translate(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.translate(err)
		}
		out = append(out, v)
	}
	return out, s.translate(rows.Err())
}

// list encodes a string list as a JSON array (never null).
func list(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func unlist(fields map[*[]string]string) error {
	for dst, raw := range fields {
		if err := json.Unmarshal([]byte(raw), dst); err != nil {
			return fmt.Errorf("decode list column: %w", err)
		}
	}
	return nil
}
