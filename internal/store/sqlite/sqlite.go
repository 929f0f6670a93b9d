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
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, err
	}
	st, err := sqlstore.New(ctx, db, sqlstore.Dialect{Goose: goose.DialectSQLite3, Translate: translate, Migrations: sub})
	if err != nil {
		db.Close()
		return nil, err
	}
	return st, nil
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
