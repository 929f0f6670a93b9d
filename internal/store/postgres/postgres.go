// Package postgres is Gatehouse's PostgreSQL backend, for running several
// stateless replicas on one database: the pgx driver behind database/sql's
// connection pool, embedded versioned migrations applied under an advisory
// lock (replicas starting together migrate once), and sqlstore's queries.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the PostgreSQL-backed store.
type Store = sqlstore.Store

// Pool sizes the connection pool.
type Pool struct {
	MaxConns        int           // open connections at most
	MaxIdleConns    int           // kept open while idle
	ConnMaxLifetime time.Duration // a connection is replaced after this long
	ConnMaxIdleTime time.Duration // an idle connection is closed after this long
}

// DefaultPool suits one replica on a small machine.
func DefaultPool() Pool {
	return Pool{MaxConns: 20, MaxIdleConns: 10, ConnMaxLifetime: 30 * time.Minute, ConnMaxIdleTime: 5 * time.Minute}
}

// Open connects to the database at dsn, waits for it (up to ctx), and
// applies pending migrations. A schema newer than this binary is refused.
func Open(ctx context.Context, dsn string, pool Pool) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", Redact(dsn), err)
	}
	db.SetMaxOpenConns(pool.MaxConns)
	db.SetMaxIdleConns(pool.MaxIdleConns)
	db.SetConnMaxLifetime(pool.ConnMaxLifetime)
	db.SetConnMaxIdleTime(pool.ConnMaxIdleTime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres %s: %w", Redact(dsn), err)
	}
	// Replicas that lose the race poll every second for up to five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		db.Close()
		return nil, err
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, err
	}
	st, err := sqlstore.New(ctx, db, sqlstore.Dialect{
		Goose: goose.DialectPostgres, Numbered: true, ModifyingCTE: true, ForUpdate: " FOR UPDATE", Translate: translate, Migrations: sub,
		MigrationOptions: []goose.ProviderOption{goose.WithSessionLocker(locker)},
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return st, nil
}

// Redact hides the password of a DSN for messages and logs.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable DSN)"
	}
	return u.Redacted()
}

// translate maps PostgreSQL and connection errors onto the store's sentinels.
func translate(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505": // unique_violation
			return fmt.Errorf("%w: %v", store.ErrConflict, err)
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"),                                 // insufficient resources
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, cannot connect now
			return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
		}
		return err
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	if errors.As(err, &netErr) || errors.As(err, &connectErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err) ||
		strings.Contains(err.Error(), "conn closed") {
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return err
}
