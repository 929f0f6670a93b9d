package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
	"github.com/gatehouse-auth/gatehouse/internal/store/storetest"
)

func newStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) { storetest.Run(t, newStore) }

func TestConcurrency(t *testing.T) { storetest.RunConcurrency(t, newStore) }

func TestClientAssertions(t *testing.T) { storetest.RunClientAssertions(t, newStore) }

func TestSigningAlg(t *testing.T) { storetest.RunSigningAlg(t, newStore) }

func TestManagement(t *testing.T) { storetest.RunManagement(t, newStore) }

// rawDB opens the file without the store, as an operator's sqlite3 shell would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// migratedTo returns the database at path with the migrations up to
// version applied, as an older Gatehouse left it.
func migratedTo(t *testing.T, path string, version int64) *sql.DB {
	t.Helper()
	db := rawDB(t, path)
	p, err := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS("migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	// A newer Gatehouse migrated this file further than this binary knows.
	db := rawDB(t, path)
	if _, err := db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, err = sqlite.Open(ctx, path)
	if err == nil {
		st.Close()
		t.Fatal("Open accepted a database whose schema is newer than the binary")
	}
	msg := err.Error()
	for _, want := range []string{"9999", "newer", "upgrade"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	as := store.AuthServer{ID: "default", Name: "default", Audience: "api://default", Status: store.StatusActive, Created: time.Unix(1_700_000_000, 0)}
	if err := st.CreateAuthServer(ctx, as); err != nil {
		t.Fatal(err)
	}
	before, err := st.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopening a migrated database: %v", err)
	}
	defer st.Close()
	if _, err := st.GetAuthServer(ctx, "default"); err != nil {
		t.Fatalf("data lost across reopen: %v", err)
	}
	after, err := st.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) == 0 || len(after) != len(before) {
		t.Fatalf("migration status: %d entries before, %d after", len(before), len(after))
	}
	for _, m := range after {
		if m.State != "applied" {
			t.Errorf("migration %d is %q after Open, want applied", m.Source.Version, m.State)
		}
	}
}

func TestWALMode(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// WAL is a property of the file: any new connection sees it.
	var mode string
	if err := rawDB(t, path).QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(mode, "wal") {
		t.Fatalf("journal_mode = %q, want wal", mode)
	}
}

func TestOpenBadPath(t *testing.T) {
	// A directory that does not exist cannot hold the database.
	_, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "missing", "dir", "gatehouse.db"))
	if err == nil {
		t.Fatal("Open succeeded in a directory that does not exist")
	}
	if !strings.Contains(err.Error(), "missing") {
		t.Errorf("error %q does not name the path", err)
	}
}

func TestFamilyTombstone(t *testing.T) { storetest.RunFamilyTombstone(t, newStore) }
