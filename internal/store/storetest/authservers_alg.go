package storetest

import (
	"context"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// RunSigningAlg checks that an authorization server keeps its signing
// algorithm: RS256 unless set, changed by SetAuthServerSigningAlg, and
// reported as the zero value when it is the default.
func RunSigningAlg(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("SigningAlg", func(t *testing.T) { testSigningAlg(t, newStore(t)) })
}

func testSigningAlg(t *testing.T, st store.Store) {
	ctx := context.Background()
	def := store.AuthServer{ID: "default", Name: "default", Audience: "api://default", Status: store.StatusActive, Created: t0}
	ec := store.AuthServer{ID: "aus-ec", Name: "ec", Audience: "api://ec", Status: store.StatusActive, Created: t0, SigningAlg: "ES256"}
	mustNil(t, "CreateAuthServer default", st.CreateAuthServer(ctx, def))
	mustNil(t, "CreateAuthServer aus-ec", st.CreateAuthServer(ctx, ec))

	alg := func(id string) (string, string) {
		t.Helper()
		as, err := st.GetAuthServer(ctx, id)
		mustNil(t, "GetAuthServer "+id, err)
		return as.SigningAlg, as.Alg()
	}
	if raw, eff := alg("default"); raw != "" || eff != "RS256" {
		t.Errorf("new server: SigningAlg %q, Alg %q; want \"\" and RS256", raw, eff)
	}
	if raw, eff := alg("aus-ec"); raw != "ES256" || eff != "ES256" {
		t.Errorf("server created with ES256: SigningAlg %q, Alg %q", raw, eff)
	}

	mustNil(t, "SetAuthServerSigningAlg EdDSA", st.SetAuthServerSigningAlg(ctx, "default", "EdDSA"))
	if raw, eff := alg("default"); raw != "EdDSA" || eff != "EdDSA" {
		t.Errorf("after setting EdDSA: SigningAlg %q, Alg %q", raw, eff)
	}
	if _, eff := alg("aus-ec"); eff != "ES256" {
		t.Errorf("setting default's algorithm changed aus-ec's to %q", eff)
	}
	list, err := st.ListAuthServers(ctx)
	mustNil(t, "ListAuthServers", err)
	for _, as := range list {
		if want := map[string]string{"default": "EdDSA", "aus-ec": "ES256"}[as.ID]; as.Alg() != want {
			t.Errorf("listed %s with alg %q, want %q", as.ID, as.Alg(), want)
		}
	}

	mustNil(t, "SetAuthServerSigningAlg RS256", st.SetAuthServerSigningAlg(ctx, "default", "RS256"))
	if raw, eff := alg("default"); raw != "" || eff != "RS256" {
		t.Errorf("after setting RS256: SigningAlg %q, Alg %q; want \"\" and RS256", raw, eff)
	}
	mustNil(t, "SetAuthServerSigningAlg empty", st.SetAuthServerSigningAlg(ctx, "aus-ec", ""))
	if _, eff := alg("aus-ec"); eff != "RS256" {
		t.Errorf("after setting the empty algorithm: Alg %q, want RS256", eff)
	}

	wantErr(t, "SetAuthServerSigningAlg unknown", st.SetAuthServerSigningAlg(ctx, "aus-missing", "ES256"), store.ErrNotFound)
}
