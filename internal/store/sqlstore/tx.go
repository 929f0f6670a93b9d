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
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.translate(err)
	}
	if err := fn(tx{tx: sqlTx, s: s}); err != nil {
		sqlTx.Rollback()
		return err
	}
	return s.translate(sqlTx.Commit())
}
