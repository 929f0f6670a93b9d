package sqlstore

import (
	"context"
	"database/sql"
)

// tx is a transaction whose statements are rebound for the dialect.
type tx struct {
	tx *sql.Tx
	s  *Store
}

func (t tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.s.rebind(query), args...)
}

// execOne runs a write that must touch a row: none is store.ErrNotFound.
func (t tx) execOne(ctx context.Context, query string, args ...any) error {
	return t.s.oneRow(t.exec(ctx, query, args...))
}

// execEach runs each statement with the one argument arg, in order.
func (t tx) execEach(ctx context.Context, arg any, queries ...string) error {
	for _, q := range queries {
		if _, err := t.exec(ctx, q, arg); err != nil {
			return t.s.translate(err)
		}
	}
	return nil
}

func (t tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.s.rebind(query), args...)
}

func (t tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.s.rebind(query), args...)
}

// inTx runs fn in a transaction, committing when it returns nil. The error
// fn returns passes through untranslated so sentinels survive; driver
// errors are translated.
func (s *Store) inTx(ctx context.Context, fn func(tx) error) error {
	done, err := s.awaitWriteTurn(ctx)
	if err != nil {
		return err
	}
	defer done()
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return s.translate(err)
	}
	if err := fn(tx{tx: sqlTx, s: s}); err != nil {
		sqlTx.Rollback()
		return err
	}
	return s.translate(sqlTx.Commit())
}
