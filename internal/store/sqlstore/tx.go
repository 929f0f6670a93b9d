package sqlstore

import (
	"context"
	"database/sql"
)

// tx is a transaction whose statements are rebound for the dialect.
type tx struct {
	tx *sql.Tx
	s  *Store
	// unprepared collects the queries that ran without a prepared
	// statement, to be prepared once the transaction has let go of its
	// connection.
	unprepared *[]string
}

func (t tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = t.s.rebind(query)
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// stmt is the write handle's prepared statement for query bound to this
// transaction (on SQLite the one write connection has it prepared already),
// or nil.
func (t tx) stmt(ctx context.Context, query string) *sql.Stmt {
	st, full := t.s.writeStmts.cached(query)
	if st != nil {
		return t.tx.StmtContext(ctx, st)
	}
	if !full {
		*t.unprepared = append(*t.unprepared, query)
	}
	return nil
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
	query = t.s.rebind(query)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

func (t tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = t.s.rebind(query)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
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
	var unprepared []string
	// Still within the write turn, so the connection is free for them.
	defer func() {
		for _, q := range unprepared {
			s.writeStmts.get(ctx, q)
		}
	}()
	if err := fn(tx{tx: sqlTx, s: s, unprepared: &unprepared}); err != nil {
		sqlTx.Rollback()
		return err
	}
	return s.translate(sqlTx.Commit())
}
