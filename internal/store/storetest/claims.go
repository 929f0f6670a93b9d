package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func testClaims(t *testing.T, st store.Store) {
	ctx := context.Background()
	for _, id := range []string{"ausclaims1", "ausclaims2"} {
		mustNil(t, "CreateAuthServer "+id, st.CreateAuthServer(ctx, store.AuthServer{ID: id, Name: id, Audience: "api://" + id,
			Status: store.StatusActive, Created: t0}))
	}
	if list, err := st.ListClaims(ctx, "ausclaims1"); err != nil || len(list) != 0 {
		t.Fatalf("ListClaims on a server with none = %+v, %v", list, err)
	}
	dept := store.Claim{ID: "ocldept", AuthServerID: "ausclaims1", Name: "department", Status: store.StatusActive,
		ClaimType: "RESOURCE", ValueType: "EXPRESSION", Value: `user.department + "✓"`, AlwaysIncludeInToken: true,
		Scopes: []string{"profile", "orders.read"}, Created: t0, LastUpdated: t0}
	groups := store.Claim{ID: "oclgroups", AuthServerID: "ausclaims1", Name: "groups", Status: store.StatusInactive,
		ClaimType: "IDENTITY", ValueType: "GROUPS", Value: "SSO-", GroupFilterType: "STARTS_WITH",
		Created: t0.Add(time.Second), LastUpdated: t0.Add(time.Second)}
	for _, c := range []store.Claim{groups, dept} {
		mustNil(t, "CreateClaim "+c.Name, st.CreateClaim(ctx, c))
	}
	// Names are unique per server and claim type only.
	dup := dept
	dup.ID = "ocldup"
	wantErr(t, "CreateClaim duplicate name and type", st.CreateClaim(ctx, dup), store.ErrConflict)
	sameNameOtherType := dept
	sameNameOtherType.ID, sameNameOtherType.ClaimType = "ocldeptid", "IDENTITY"
	mustNil(t, "CreateClaim same name, other type", st.CreateClaim(ctx, sameNameOtherType))
	elsewhere := dept
	elsewhere.ID, elsewhere.AuthServerID = "ocldept2", "ausclaims2"
	mustNil(t, "CreateClaim same name on another server", st.CreateClaim(ctx, elsewhere))
	unknown := dept
	unknown.ID, unknown.AuthServerID = "oclnoserver", "ausnothere"
	wantErr(t, "CreateClaim on an unknown server", st.CreateClaim(ctx, unknown), store.ErrNotFound)

	got, err := st.GetClaim(ctx, "ausclaims1", "ocldept")
	mustNil(t, "GetClaim", err)
	want := dept
	want.Created, want.LastUpdated = secs(t0), secs(t0)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GetClaim = %+v, want %+v", got, want)
	}
	if got, err := st.GetClaim(ctx, "ausclaims1", "oclgroups"); err != nil || got.Scopes == nil || len(got.Scopes) != 0 ||
		got.AlwaysIncludeInToken || got.GroupFilterType != "STARTS_WITH" {
		t.Fatalf("GetClaim groups = %+v, %v (scopes must be an empty list)", got, err)
	}
	_, err = st.GetClaim(ctx, "ausclaims2", "ocldept")
	wantErr(t, "GetClaim through another server", err, store.ErrNotFound)

	list, err := st.ListClaims(ctx, "ausclaims1")
	mustNil(t, "ListClaims", err)
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	if !reflect.DeepEqual(ids, []string{"ocldept", "ocldeptid", "oclgroups"}) {
		t.Fatalf("ListClaims order = %v", ids)
	}

	upd := dept
	upd.Name, upd.Status, upd.Value, upd.Scopes, upd.AlwaysIncludeInToken = "dept", store.StatusInactive, "user.costCenter", nil, false
	upd.Created, upd.LastUpdated = t0.Add(time.Hour), t0.Add(time.Hour)
	mustNil(t, "UpdateClaim", st.UpdateClaim(ctx, upd))
	got, _ = st.GetClaim(ctx, "ausclaims1", "ocldept")
	if got.Name != "dept" || got.Status != store.StatusInactive || got.Value != "user.costCenter" || len(got.Scopes) != 0 ||
		got.AlwaysIncludeInToken || !got.Created.Equal(secs(t0)) || !got.LastUpdated.Equal(secs(t0.Add(time.Hour))) {
		t.Fatalf("after UpdateClaim = %+v (created must not change)", got)
	}
	clash := upd
	clash.Name, clash.ClaimType = "groups", "IDENTITY"
	wantErr(t, "UpdateClaim onto another claim's name", st.UpdateClaim(ctx, clash), store.ErrConflict)
	missing := upd
	missing.ID = "oclmissing"
	wantErr(t, "UpdateClaim missing", st.UpdateClaim(ctx, missing), store.ErrNotFound)
	wrongServer := upd
	wrongServer.AuthServerID = "ausclaims2"
	wantErr(t, "UpdateClaim through another server", st.UpdateClaim(ctx, wrongServer), store.ErrNotFound)

	wantErr(t, "DeleteClaim through another server", st.DeleteClaim(ctx, "ausclaims2", "ocldept"), store.ErrNotFound)
	mustNil(t, "DeleteClaim", st.DeleteClaim(ctx, "ausclaims1", "ocldept"))
	wantErr(t, "DeleteClaim twice", st.DeleteClaim(ctx, "ausclaims1", "ocldept"), store.ErrNotFound)
	_, err = st.GetClaim(ctx, "ausclaims1", "ocldept")
	wantErr(t, "GetClaim deleted", err, store.ErrNotFound)
	if list, _ := st.ListClaims(ctx, "ausclaims2"); len(list) != 1 {
		t.Fatalf("the other server's claims changed: %+v", list)
	}
}
