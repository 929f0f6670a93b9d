package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds a stmtCache. Queries are constant strings with
// their values bound as arguments, so a store runs a few hundred distinct
// ones at most; the bound only keeps a query built with a varying shape
// (a filter, a list of n placeholders) from growing the cache without end.
// Past it, queries are prepared for each call as before.
const maxCachedStatements = 512

// stmtCache keeps each query prepared, for drivers that would otherwise
// parse it on every call (SQLite's: parsing was a third of the CPU of a
// token introspection). database/sql prepares a cached statement again on
// each pool connection the first time it runs there.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

// cached returns the prepared statement for query if there is one, without
// preparing it: preparing needs a free connection of the pool, which a
// transaction on SQLite's one write connection holds.
func (c *stmtCache) cached(query string) (st *sql.Stmt, full bool) {
	if c == nil {
		return nil, true
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query], len(c.m) >= maxCachedStatements
}

// get returns the prepared statement for query, preparing it on first use,
// or nil when the cache is off (a nil cache), full, or the query does not
// prepare (the caller then runs it unprepared and reports its error).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	st, full := c.cached(query)
	if st != nil || full {
		return st
	}
	// Prepared outside the lock; a statement prepared twice by racing
	// callers is closed again.
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		st.Close()
		return prev
	}
	if len(c.m) >= maxCachedStatements {
		st.Close()
		return nil
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}
