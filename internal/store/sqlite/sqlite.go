// Package sqlite is Gatehouse's embedded storage backend: a pure-Go SQLite
// (no cgo, so the binary stays static) in WAL mode with a busy timeout, with
// its schema in embedded, versioned migrations. The queries are sqlstore's.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite-backed store.
type Store = sqlstore.Store

// Open opens (creating if needed) the database file at path and applies any
// pending migrations. A database whose schema is newer than this binary
// knows is refused.
func Open(ctx context.Context, path string) (*Store, error) {
	base := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	// Writes go through one connection, so they queue in Go rather than
	// in SQLite's sleeping busy handler; reads use a pool beside it that
	// SQLite itself keeps from writing (query_only), so a write sent to
	// the wrong pool fails loudly instead of contending.
	write, err := openPool(ctx, path, base+"&_txlock=immediate", 1)
	if err != nil {
		return nil, err
	}
	read, err := openPool(ctx, path, base+"&_pragma=query_only(1)", readConns())
	if err != nil {
		write.Close()
		return nil, err
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		read.Close()
		write.Close()
		return nil, err
	}
	st, err := sqlstore.NewSplit(ctx, read, write, sqlstore.Dialect{Goose: goose.DialectSQLite3, Translate: translate, Migrations: sub,
		CacheStatements: true, InsertOrRollback: true, EventTargetsInBody: true})
	if err != nil {
		read.Close()
		write.Close()
		return nil, err
	}
	return st, nil
}

// readConns sizes the read pool: enough that reads rarely wait for a
// connection (database/sql serves waiters in random order), all kept open,
// since opening an SQLite connection parses the schema again.
func readConns() int { return max(16, 8*runtime.GOMAXPROCS(0)) }

func openPool(ctx context.Context, path, dsn string, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

func translate(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch code := se.Code(); {
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE, code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", store.ErrConflict, err)
		case code&0xff == sqlite3.SQLITE_BUSY, code&0xff == sqlite3.SQLITE_LOCKED: // and their extended codes
			return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
		}
	}
	return err
}
