package admin_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/oauth/wire"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// backends runs test against a server on SQLite and, when
// GATEHOUSE_TEST_POSTGRES is set, on PostgreSQL.
func backends(t *testing.T, test func(t *testing.T, s *testkit.Server), opts ...testkit.Options) {
	var o testkit.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t, testkit.Start(t, o))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		po := o
		po.Postgres = true
		test(t, testkit.Start(t, po))
	})
}

// wantOktaError checks that r is Okta's error body with this status and code.
func wantOktaError(t *testing.T, r testkit.APIResponse, status int, code string) wire.OktaError {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	var e wire.OktaError
	r.JSON(t, &e)
	if e.ErrorCode != code || e.ErrorLink != code || e.ErrorSummary == "" || len(e.ErrorID) < 10 || e.ErrorCauses == nil {
		t.Fatalf("error body %s, want errorCode %s with summary, link, id and causes", r.Body, code)
	}
	return e
}
