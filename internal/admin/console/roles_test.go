package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// A SUPER_ADMIN role held by a deactivated or suspended user gives no
// access, so it does not keep the last active super administrator's role
// removable: before, it counted, and the console let root remove their own
// role and lock everyone out.
func TestRolesLastActiveSuperAdmin(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	for _, status := range []string{store.UserDeprovisioned, store.UserSuspended} {
		u := dirUser(t, s, strings.ToLower(status)+"@example.com", "Former", store.StatusActive)
		if _, err := s.Service.AssignRole(ctx, u.ID, domain.RoleSuperAdmin); err != nil {
			t.Fatal(err)
		}
		action := map[string]string{store.UserDeprovisioned: domain.ActionDeactivate, store.UserSuspended: domain.ActionSuspend}[status]
		if _, err := s.Service.UserLifecycle(ctx, u.ID, action); err != nil {
			t.Fatal(err)
		}
	}
	roles, err := s.Service.UserRoles(ctx, admin.Admin.ID)
	if err != nil || len(roles) != 1 {
		t.Fatalf("root's roles %+v %v", roles, err)
	}
	p := admin.Post(t, "/admin/users/"+admin.Admin.ID+"/roles/"+roles[0].ID+"/delete", nil)
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "last super administrator able to sign in") {
		t.Fatalf("removing the last active super admin's role: %d\n%s", p.Status, p.Body)
	}
	if p := admin.Get(t, "/admin"); p.Status != http.StatusOK {
		t.Fatalf("root after the refusal: %d", p.Status)
	}

	// The inactive holders' roles may go; with another active super
	// administrator, so may root's.
	holders, _ := s.Store.ListRoleHolders(ctx)
	for _, h := range holders {
		if h.UserID != admin.Admin.ID {
			if err := s.Service.UnassignRole(ctx, h.UserID, h.ID); err != nil {
				t.Fatalf("removing an inactive user's role: %v", err)
			}
		}
	}
	other := dirUser(t, s, "other@example.com", "Other", store.StatusActive)
	if _, err := s.Service.AssignRole(ctx, other.ID, domain.RoleSuperAdmin); err != nil {
		t.Fatal(err)
	}
	if p := admin.Post(t, "/admin/users/"+admin.Admin.ID+"/roles/"+roles[0].ID+"/delete", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("removing root's role with another super admin: %d", p.Status)
	}
}

// The last active super administrator cannot be deactivated, suspended or
// have their password expired or reset, from the console or the API: each
// would leave no one able to run the console.
func TestLastSuperAdminStaysAbleToSignIn(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	root := admin.Admin.ID
	for _, action := range []string{domain.ActionDeactivate, domain.ActionSuspend, domain.ActionExpirePassword, domain.ActionResetPassword} {
		p := admin.Post(t, "/admin/users/"+root+"/lifecycle/"+action, nil)
		if p.Status != http.StatusConflict || !strings.Contains(p.Body, "last super administrator able to sign in") {
			t.Errorf("%s of the last super admin: %d", action, p.Status)
		}
	}
	if r := s.API(t, "DELETE", "/api/v1/users/"+root, nil); r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "E0000038") {
		t.Errorf("API delete of the last super admin: %d %s", r.Status, r.Body)
	}
	if u, _ := s.Store.GetUser(ctx, root); u.Status != store.StatusActive {
		t.Fatalf("root is %s after the refusals", u.Status)
	}
	// A read-only administrator does not count; another super administrator does.
	ro := dirUser(t, s, "ro@example.com", "Reader", store.StatusActive)
	if _, err := s.Service.AssignRole(ctx, ro.ID, domain.RoleReadOnlyAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Service.UserLifecycle(ctx, root, domain.ActionSuspend); err == nil {
		t.Fatal("a read-only administrator let the last super admin be suspended")
	}
	other := dirUser(t, s, "other@example.com", "Other", store.StatusActive)
	if _, err := s.Service.AssignRole(ctx, other.ID, domain.RoleSuperAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Service.UserLifecycle(ctx, root, domain.ActionSuspend); err != nil {
		t.Fatalf("suspending root with another super admin: %v", err)
	}
	// Users without a role are never held back.
	if _, err := s.Service.UserLifecycle(ctx, s.User.ID, domain.ActionDeactivate); err != nil {
		t.Fatalf("deactivating a user without a role: %v", err)
	}
}
