package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
)

// Apps made before 00007 keep working: their secret moves to app_secrets
// and the Everyone group is assigned, so that every user may still sign in.
func TestAppsAdminMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	db := migratedTo(t, path, 6)
	for _, q := range []string{
		`INSERT INTO apps (client_id, name, type, token_endpoint_auth_method, secret_hash, redirect_uris,
			post_logout_redirect_uris, grant_types, response_types, pkce_required, status, created)
			VALUES ('0oaold', 'Old', 'web', 'client_secret_basic', 'abcd', '["https://a.example/cb"]', '[]',
			'["authorization_code"]', '["code"]', 0, 'ACTIVE', 1700000000)`,
		`INSERT INTO apps (client_id, name, type, token_endpoint_auth_method, redirect_uris,
			post_logout_redirect_uris, grant_types, response_types, pkce_required, status, created)
			VALUES ('0oaspa', 'SPA', 'browser', 'none', '["https://a.example/cb"]', '[]',
			'["authorization_code"]', '["code"]', 1, 'ACTIVE', 1700000000)`,
		`INSERT INTO users (id, login, login_lower, status, created, updated) VALUES ('00uold', 'old', 'old', 'ACTIVE', 1700000000, 1700000000)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	old, err := st.GetApp(ctx, "0oaold")
	if err != nil || old.SecretHash != "abcd" || len(old.SecretHashes) != 1 || !old.LastUpdated.Equal(old.Created) {
		t.Fatalf("migrated app: %+v %v", old, err)
	}
	secrets, err := st.ListAppSecrets(ctx, "0oaold")
	if err != nil || len(secrets) != 1 || len(secrets[0].ID) != 20 || secrets[0].ID[:3] != "ocs" || secrets[0].Status != store.StatusActive {
		t.Fatalf("migrated secret: %+v %v", secrets, err)
	}
	if spa, _ := st.ListAppSecrets(ctx, "0oaspa"); len(spa) != 0 {
		t.Fatalf("a public app got a secret: %+v", spa)
	}
	for _, id := range []string{"0oaold", "0oaspa"} {
		if ok, err := st.UserAssigned(ctx, id, "00uold"); err != nil || !ok {
			t.Fatalf("%s: existing users lost access: %v %v", id, ok, err)
		}
	}
}
