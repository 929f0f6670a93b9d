package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/postgres"
	"github.com/gatehouse-auth/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse-auth/gatehouse/internal/store/storetest"
)

func newStore(t *testing.T) store.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.FreshSchema(t), postgres.DefaultPool())
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

// Replicas starting together on an empty database: the advisory lock makes
// one of them migrate and the others find the schema ready.
func TestConcurrentMigration(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	const replicas = 6
	var wg sync.WaitGroup
	errs := make(chan error, replicas)
	for i := 0; i < replicas; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := postgres.Open(context.Background(), dsn, postgres.DefaultPool())
			if err == nil {
				st.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("replica failed to start: %v", err)
		}
	}
	st, err := postgres.Open(context.Background(), dsn, postgres.DefaultPool())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Every migration is recorded exactly once.
	migrations, err := st.MigrationStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations {
		var applied int
		if err := st.DB().QueryRow(`SELECT count(*) FROM goose_db_version WHERE version_id = $1 AND is_applied`,
			m.Source.Version).Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if applied != 1 {
			t.Errorf("migration %d recorded %d times, want once", m.Source.Version, applied)
		}
	}
	var total int
	if err := st.DB().QueryRow(`SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != len(migrations) {
		t.Errorf("%d migrations recorded, want %d", total, len(migrations))
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	st, err := postgres.Open(context.Background(), dsn, postgres.DefaultPool())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, err = postgres.Open(context.Background(), dsn, postgres.DefaultPool())
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestUnreachableDatabase(t *testing.T) {
	// Nothing listens on port 1: the error is prompt and names the host,
	// never the password.
	_, err := postgres.Open(context.Background(), "postgres://gh:s3cret@127.0.0.1:1/x?connect_timeout=2", postgres.DefaultPool())
	if err == nil {
		t.Fatal("opened an unreachable database")
	}
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error %q", err)
	}
}

func TestFamilyTombstone(t *testing.T) { storetest.RunFamilyTombstone(t, newStore) }
