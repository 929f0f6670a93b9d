package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

func TestStmtCacheReusesAndStaysBounded(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	c := newStmtCache(db)
	defer c.close()

	insert := `INSERT INTO t (k, v) VALUES (?, ?)`
	first := c.get(ctx, insert)
	if first == nil || c.get(ctx, insert) != first {
		t.Fatal("the same query is not served by one prepared statement")
	}
	for i := range 3 {
		if _, err := first.Exec(i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	// A read through a cached statement sees each new write: a reused
	// statement holds no snapshot between calls.
	count := `SELECT count(*) FROM t`
	for want := 3; want < 6; want++ {
		var n int
		if err := c.get(ctx, count).QueryRow().Scan(&n); err != nil || n != want {
			t.Fatalf("count %d (%v), want %d", n, err, want)
		}
		if _, err := c.get(ctx, insert).Exec(want, "x"); err != nil {
			t.Fatal(err)
		}
	}

	if c.get(ctx, `SELECT nonsense FROM nowhere`) != nil {
		t.Error("a query that does not prepare was cached")
	}
	for i := len(c.m); i < maxCachedStatements; i++ {
		if c.get(ctx, fmt.Sprintf(`SELECT v FROM t WHERE k = %d`, i)) == nil {
			t.Fatalf("statement %d not cached below the bound", i)
		}
	}
	if c.get(ctx, `SELECT v FROM t WHERE k = -1`) != nil {
		t.Error("the cache grew past its bound")
	}
	if c.get(ctx, insert) != first {
		t.Error("a full cache lost a statement it held")
	}
	var nilCache *stmtCache
	if nilCache.get(ctx, insert) != nil {
		t.Error("a nil cache returned a statement")
	}
}
