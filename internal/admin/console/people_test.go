package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// dirFieldError is the error shown next to field, failing the test when
// there is none.
func dirFieldError(t *testing.T, body, field string) string {
	t.Helper()
	m := regexp.MustCompile(`<p class="error" id="e-` + regexp.QuoteMeta(field) + `">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no error next to %s in:\n%s", field, body)
	}
	return m[1]
}

// dirUser creates a user through the domain, in status (one a lifecycle
// action reaches from ACTIVE or STAGED).
func dirUser(t *testing.T, s *testkit.Server, login, first, status string) store.User {
	t.Helper()
	ctx := context.Background()
	password := testkit.Password
	u, err := s.Service.CreateUser(ctx, domain.UserInput{Password: &password, Profile: map[string]any{
		"login": login, "email": login, "firstName": first, "lastName": "Tester"}}, status != store.UserStaged)
	if err != nil {
		t.Fatal(err)
	}
	via := map[string]string{store.UserSuspended: domain.ActionSuspend, store.UserDeprovisioned: domain.ActionDeactivate,
		store.UserRecovery: domain.ActionResetPassword, store.UserPasswordExpired: domain.ActionExpirePassword}
	if action, ok := via[status]; ok {
		if u, err = s.Service.UserLifecycle(ctx, u.ID, action); err != nil {
			t.Fatal(err)
		}
	}
	if status == store.UserLockedOut {
		if _, err := s.Store.RecordFailedSignIn(ctx, u.ID, s.Service.Now(), 1); err != nil {
			t.Fatal(err)
		}
		u, _ = s.Store.GetUser(ctx, u.ID)
	}
	if u.Status != status {
		t.Fatalf("seeded %s is %s, want %s", login, u.Status, status)
	}
	return u
}

// dirFollow fetches the page a change redirected to and returns it.
func dirFollow(t *testing.T, c *testkit.ConsoleClient, p testkit.ConsolePage) testkit.ConsolePage {
	t.Helper()
	if p.Status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303:\n%s", p.Status, p.Body)
	}
	return c.Get(t, p.Location)
}

func TestPeopleList(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	dirUser(t, s, "zoe@example.com", "Zoe", store.UserActive)
	dirUser(t, s, "zack@corp.example.com", "Zack", store.UserSuspended)
	dirUser(t, s, "gone@example.com", "Gone", store.UserDeprovisioned)

	tests := []struct {
		query      string
		want, not  []string
		wantStatus int
	}{
		{"", []string{"zoe@example.com", "zack@corp.example.com", testkit.UserLogin}, []string{"gone@example.com"}, 200},
		{"q=Za", []string{"zack@corp.example.com"}, []string{"zoe@example.com", testkit.UserLogin}, 200},
		{"q=zoe%40", []string{"zoe@example.com"}, []string{"zack@corp.example.com"}, 200},
		{"status=SUSPENDED", []string{"zack@corp.example.com"}, []string{"zoe@example.com"}, 200},
		{"q=z&status=ACTIVE", []string{"zoe@example.com"}, []string{"zack@corp.example.com"}, 200},
		{"status=DEPROVISIONED", []string{"gone@example.com"}, []string{"zoe@example.com"}, 200},
		{"q=gone", nil, []string{"gone@example.com"}, 200},
		{"status=NAPPING", []string{"unknown status NAPPING"}, nil, 400},
		{"q=" + strings.Repeat("x", 300), []string{"q is too long"}, nil, 400},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			p := admin.Get(t, "/admin/users?"+tc.query)
			if p.Status != tc.wantStatus {
				t.Fatalf("status %d, want %d", p.Status, tc.wantStatus)
			}
			for _, w := range tc.want {
				if !strings.Contains(p.Body, w) {
					t.Errorf("%q missing", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(p.Body, ">"+n+"<") {
					t.Errorf("%q listed", n)
				}
			}
		})
	}
	if p := admin.Get(t, "/admin/users?status=SUSPENDED"); !strings.Contains(p.Body, `<option value="SUSPENDED" selected>`) {
		t.Error("the status filter forgot its choice")
	}

	// Paging: 25 more people make two pages; the second goes on after the first.
	for i := range 25 {
		dirUser(t, s, fmt.Sprintf("p%02d@example.com", i), "Pat", store.UserActive)
	}
	first := admin.Get(t, "/admin/users?q=Pat")
	next := regexp.MustCompile(`<a href="/admin/users\?([^"]+)">Next page</a>`).FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatalf("no next page link:\n%s", first.Body)
	}
	second := admin.Get(t, "/admin/users?"+strings.ReplaceAll(next[1], "&amp;", "&"))
	rows := regexp.MustCompile(`>Pat Tester</a>`)
	if n1, n2 := len(rows.FindAllString(first.Body, -1)), len(rows.FindAllString(second.Body, -1)); n1 != 20 || n2 != 5 {
		t.Fatalf("pages hold %d and %d people, want 20 and 5", n1, n2)
	}
}

func TestPeopleAddPerson(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	eng, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "Engineering"})
	if err != nil {
		t.Fatal(err)
	}
	p := admin.Get(t, "/admin/users/new")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="`+eng.ID+`"`) || strings.Contains(p.Body, `value="`+store.EveryoneGroupID+`"`) {
		t.Fatalf("add person form: %d, or its groups are wrong:\n%s", p.Status, p.Body)
	}

	valid := func(change func(url.Values)) url.Values {
		v := url.Values{"firstName": {"Bea"}, "lastName": {"Brown"}, "login": {"bea@example.com"},
			"email": {"bea@example.com"}, "password_mode": {"admin"}, "password": {"correct horse battery"}, "activate": {"on"}}
		change(v)
		return v
	}
	tests := []struct {
		name, field, errorText string
		form                   url.Values
	}{
		{"no first name", "firstName", "cannot be left blank", valid(func(v url.Values) { v.Del("firstName") })},
		{"bad email", "email", "Does not match required pattern", valid(func(v url.Values) { v.Set("email", "bea at example") })},
		{"login taken", "login", "already exists", valid(func(v url.Values) { v.Set("login", testkit.UserLogin) })},
		{"login with a space", "login", "without spaces", valid(func(v url.Values) { v.Set("login", "bea brown") })},
		{"no password", "password", "Enter the password", valid(func(v url.Values) { v.Del("password") })},
		{"weak password", "password", "Password requirements were not met", valid(func(v url.Values) { v.Set("password", "short") })},
		{"no password choice", "password_mode", "Choose", valid(func(v url.Values) { v.Del("password_mode") })},
		{"unknown group", "groupIds", "does not exist", valid(func(v url.Values) { v["groupIds"] = []string{eng.ID, "00gnosuchgroup"} })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Post(t, "/admin/users", tc.form)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := dirFieldError(t, p.Body, tc.field); !strings.Contains(got, tc.errorText) {
				t.Errorf("error %q, want %q", got, tc.errorText)
			}
			if strings.Contains(p.Body, tc.form.Get("password")) && tc.form.Get("password") != "" {
				t.Error("the password typed was sent back")
			}
			if !strings.Contains(p.Body, `value="`+tc.form.Get("lastName")+`"`) {
				t.Error("the form lost the values typed")
			}
			if u, err := s.Store.GetUserByLogin(ctx, "bea@example.com"); err == nil {
				t.Fatalf("a refused form stored %+v", u)
			}
		})
	}

	// Success: active, with the password and the group; the page says so.
	p = admin.Post(t, "/admin/users", valid(func(v url.Values) { v["groupIds"] = []string{eng.ID} }))
	u, err := s.Store.GetUserByLogin(ctx, "bea@example.com")
	if err != nil {
		t.Fatalf("not stored: %v (page %d)", err, p.Status)
	}
	if p.Location != "/admin/users/"+u.ID {
		t.Fatalf("redirected to %q", p.Location)
	}
	page := dirFollow(t, admin, p)
	if !strings.Contains(page.Body, "Bea Brown added (Active).") {
		t.Errorf("no confirmation on the person's page:\n%s", page.Body)
	}
	groups, _ := s.Service.UserGroups(ctx, u.ID)
	if u.Status != store.UserActive || !domain.CheckPassword("correct horse battery", u.PasswordHash) || len(groups) != 2 {
		t.Fatalf("stored %s with %d groups and the password %v", u.Status, len(groups), domain.CheckPassword("correct horse battery", u.PasswordHash))
	}

	// No password, not activated: STAGED, with no password.
	p = admin.Post(t, "/admin/users", url.Values{"firstName": {"Cy"}, "lastName": {"Cole"}, "login": {"cy"},
		"email": {"cy@example.com"}, "password_mode": {"none"}, "password": {"ignored password"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create staged: %d\n%s", p.Status, p.Body)
	}
	if cy, _ := s.Store.GetUserByLogin(ctx, "cy"); cy.Status != store.UserStaged || cy.PasswordHash != "" {
		t.Fatalf("stored %s with a password: %v", cy.Status, cy.PasswordHash != "")
	}
}

func TestPersonProfile(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	// A custom attribute the form does not show survives the edit.
	if _, err := s.Service.UpdateUser(ctx, s.User.ID, domain.UserInput{Profile: map[string]any{"costCenter": "CC1", "shoeSize": 42.0}}, false); err != nil {
		t.Fatal(err)
	}
	path := "/admin/users/" + s.User.ID
	p := admin.Get(t, path)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="CC1"`) || !strings.Contains(p.Body, `name="mobilePhone"`) {
		t.Fatalf("person page: %d\n%s", p.Status, p.Body)
	}
	before, _ := s.Store.GetUser(ctx, s.User.ID)

	tests := []struct {
		name, field, errorText string
		form                   url.Values
	}{
		{"blank login", "login", "cannot be left blank", url.Values{"login": {" "}, "title": {"CTO"}}},
		{"login taken", "login", "already exists", url.Values{"login": {"root@example.com"}}},
		{"bad second email", "secondEmail", "Does not match", url.Values{"secondEmail": {"nope"}, "title": {"CTO"}}},
		{"blank last name", "lastName", "cannot be left blank", url.Values{"lastName": {""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Post(t, path+"/profile", tc.form)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := dirFieldError(t, p.Body, tc.field); !strings.Contains(got, tc.errorText) {
				t.Errorf("error %q, want %q", got, tc.errorText)
			}
			if after, _ := s.Store.GetUser(ctx, s.User.ID); after.Login != before.Login || after.Title != "" || after.LastName != before.LastName {
				t.Fatalf("a refused edit was stored: %+v", after)
			}
		})
	}

	p = admin.Post(t, path+"/profile", url.Values{"login": {"alice.a@example.com"}, "firstName": {"Alice"},
		"lastName": {"Liddell"}, "email": {"alice.a@example.com"}, "title": {"CTO"}, "department": {"R&D"},
		"mobilePhone": {"+1 555 0100"}, "costCenter": {""}})
	page := dirFollow(t, admin, p)
	if !strings.Contains(page.Body, "Profile saved.") || !strings.Contains(page.Body, `value="R&amp;D"`) {
		t.Errorf("saved page:\n%s", page.Body)
	}
	u, _ := s.Store.GetUser(ctx, s.User.ID)
	if u.Login != "alice.a@example.com" || u.Title != "CTO" || u.Department != "R&D" || u.MobilePhone != "+1 555 0100" ||
		u.CostCenter != "" || u.Profile["shoeSize"] != 42.0 {
		t.Fatalf("stored %+v", u)
	}
}

func TestPersonSetPassword(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	u := dirUser(t, s, "rec@example.com", "Rex", store.UserRecovery)
	path := "/admin/users/" + u.ID

	for _, tc := range []struct{ name, password, errorText string }{
		{"empty", "", "Enter the new password"},
		{"too short", "short", "Password requirements were not met"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Post(t, path+"/password", url.Values{"password": {tc.password}})
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := dirFieldError(t, p.Body, "password"); !strings.Contains(got, tc.errorText) {
				t.Errorf("error %q, want %q", got, tc.errorText)
			}
			if after, _ := s.Store.GetUser(ctx, u.ID); after.PasswordHash != "" || after.Status != store.UserRecovery {
				t.Fatal("a refused password was stored")
			}
		})
	}

	page := dirFollow(t, admin, admin.Post(t, path+"/password", url.Values{"password": {"a brand new secret"}}))
	if !strings.Contains(page.Body, "Password set: Rex Tester is now Active.") {
		t.Errorf("no confirmation:\n%s", page.Body)
	}
	after, _ := s.Store.GetUser(ctx, u.ID)
	if after.Status != store.UserActive || !domain.CheckPassword("a brand new secret", after.PasswordHash) {
		t.Fatalf("stored %s, password set: %v", after.Status, domain.CheckPassword("a brand new secret", after.PasswordHash))
	}
}

func TestPersonLifecycle(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	tests := []struct {
		from, action, want string
	}{
		{store.UserStaged, domain.ActionActivate, store.UserActive},
		{store.UserActive, domain.ActionSuspend, store.UserSuspended},
		{store.UserSuspended, domain.ActionUnsuspend, store.UserActive},
		{store.UserLockedOut, domain.ActionUnlock, store.UserActive},
		{store.UserActive, domain.ActionResetPassword, store.UserRecovery},
		{store.UserActive, domain.ActionExpirePassword, store.UserPasswordExpired},
		{store.UserActive, domain.ActionDeactivate, store.UserDeprovisioned},
		{store.UserDeprovisioned, domain.ActionActivate, store.UserActive},
	}
	for i, tc := range tests {
		t.Run(tc.from+" "+tc.action, func(t *testing.T) {
			u := dirUser(t, s, fmt.Sprintf("l%d@example.com", i), "Lee", tc.from)
			page := admin.Get(t, "/admin/users/"+u.ID)
			for _, action := range []string{domain.ActionActivate, domain.ActionSuspend, domain.ActionUnsuspend, domain.ActionUnlock, domain.ActionDeactivate} {
				offered := strings.Contains(page.Body, `id="action-`+action+`"`)
				allowed := slices.Contains(domain.LifecycleActions(tc.from), action)
				if offered != allowed {
					t.Errorf("%s: %s offered %v, allowed %v", tc.from, action, offered, allowed)
				}
			}
			p := admin.Post(t, "/admin/users/"+u.ID+"/lifecycle/"+tc.action, nil)
			if p.Status != http.StatusSeeOther {
				t.Fatalf("status %d:\n%s", p.Status, p.Body)
			}
			if after, _ := s.Store.GetUser(ctx, u.ID); after.Status != tc.want {
				t.Fatalf("status %s, want %s", after.Status, tc.want)
			}
		})
	}

	// A transition the status does not allow changes nothing.
	active := dirUser(t, s, "act@example.com", "Ann", store.UserActive)
	for _, action := range []string{domain.ActionUnlock, domain.ActionUnsuspend, domain.ActionActivate} {
		if p := admin.Post(t, "/admin/users/"+active.ID+"/lifecycle/"+action, nil); p.Status != http.StatusConflict && p.Status != http.StatusBadRequest {
			t.Errorf("%s an active user: %d", action, p.Status)
		}
	}
	if p := admin.Post(t, "/admin/users/"+active.ID+"/lifecycle/explode", nil); p.Status != http.StatusNotFound {
		t.Errorf("unknown action: %d", p.Status)
	}
	// Delete: refused while active, offered and done once deactivated.
	if p := admin.Post(t, "/admin/users/"+active.ID+"/delete", nil); p.Status != http.StatusConflict || !strings.Contains(p.Body, "deactivate Ann Tester first") {
		t.Fatalf("delete an active user: %d", p.Status)
	}
	if after, _ := s.Store.GetUser(ctx, active.ID); after.Status != store.UserActive {
		t.Fatalf("refused delete left %s", after.Status)
	}
	if strings.Contains(admin.Get(t, "/admin/users/"+active.ID).Body, `id="delete-person"`) {
		t.Error("delete offered for an active user")
	}
	admin.Post(t, "/admin/users/"+active.ID+"/lifecycle/deactivate", nil)
	if !strings.Contains(admin.Get(t, "/admin/users/"+active.ID).Body, `id="delete-person"`) {
		t.Error("delete not offered for a deactivated user")
	}
	p := admin.Post(t, "/admin/users/"+active.ID+"/delete", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/users" {
		t.Fatalf("delete: %d %q", p.Status, p.Location)
	}
	if _, err := s.Store.GetUser(ctx, active.ID); err != store.ErrNotFound {
		t.Fatalf("deleted user still stored: %v", err)
	}
}

func TestPersonEndSessions(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	other := s.ConsoleAdmin(t, "other@example.com", domain.RoleSuperAdmin)
	if p := other.Get(t, "/admin"); p.Status != http.StatusOK {
		t.Fatalf("other admin: %d", p.Status)
	}
	page := dirFollow(t, admin, admin.Post(t, "/admin/users/"+other.Admin.ID+"/sessions/end", nil))
	if !strings.Contains(page.Body, "Sessions ended") {
		t.Errorf("no confirmation:\n%s", page.Body)
	}
	if p := other.Get(t, "/admin"); p.Status != http.StatusSeeOther {
		t.Fatalf("after its sessions ended, the other admin still sees the console: %d", p.Status)
	}
}

func TestPersonAdminRoles(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	path := "/admin/users/" + s.User.ID
	if p := admin.Get(t, path); !strings.Contains(p.Body, `<option value="SUPER_ADMIN">Super Administrator</option>`) {
		t.Fatalf("no role to assign offered:\n%s", p.Body)
	}
	// Alice holds no role: the console refuses her.
	signIn := func() *http.Client {
		b := testkit.Browser()
		resp, err := b.Get(s.URL + "/admin/signin")
		if err != nil {
			t.Fatal(err)
		}
		f, err := s.ParseSignInForm(readAll(t, resp))
		if err != nil {
			t.Fatal(err)
		}
		resp, err = s.SubmitSignIn(b, f, testkit.UserLogin, testkit.Password)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return b
	}
	consoleStatus := func(b *http.Client) int {
		resp, err := b.Get(s.URL + "/admin")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := consoleStatus(signIn()); st != http.StatusForbidden {
		t.Fatalf("alice without a role: %d", st)
	}

	for _, tc := range []struct{ name, role, errorText string }{
		{"unknown role", "GOD_MODE", "must be one of"},
		{"no role", "", "must be one of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Post(t, path+"/roles", url.Values{"type": {tc.role}})
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := dirFieldError(t, p.Body, "type"); !strings.Contains(got, tc.errorText) {
				t.Errorf("error %q, want %q", got, tc.errorText)
			}
			if roles, _ := s.Service.UserRoles(ctx, s.User.ID); len(roles) != 0 {
				t.Fatalf("a refused role was stored: %+v", roles)
			}
		})
	}

	page := dirFollow(t, admin, admin.Post(t, path+"/roles", url.Values{"type": {domain.RoleSuperAdmin}}))
	if !strings.Contains(page.Body, "Super Administrator role assigned.") || !strings.Contains(page.Body, `id="remove-role-SUPER_ADMIN"`) {
		t.Errorf("assigned page:\n%s", page.Body)
	}
	roles, _ := s.Service.UserRoles(ctx, s.User.ID)
	if len(roles) != 1 || roles[0].Type != domain.RoleSuperAdmin {
		t.Fatalf("stored roles %+v", roles)
	}
	alice := signIn()
	if st := consoleStatus(alice); st != http.StatusOK {
		t.Fatalf("alice as super admin: %d", st)
	}
	// The same role twice is refused next to the field.
	p := admin.Post(t, path+"/roles", url.Values{"type": {domain.RoleSuperAdmin}})
	if p.Status != http.StatusBadRequest || !strings.Contains(dirFieldError(t, p.Body, "type"), "already has this role") {
		t.Fatalf("assign twice: %d", p.Status)
	}

	if p := admin.Post(t, path+"/roles/ra1nosuchrole/delete", nil); p.Status != http.StatusNotFound {
		t.Errorf("remove an unknown assignment: %d", p.Status)
	}
	dirFollow(t, admin, admin.Post(t, path+"/roles/"+roles[0].ID+"/delete", nil))
	if roles, _ := s.Service.UserRoles(ctx, s.User.ID); len(roles) != 0 {
		t.Fatalf("role not removed: %+v", roles)
	}
	if st := consoleStatus(alice); st != http.StatusForbidden {
		t.Fatalf("alice after her role was removed: %d", st)
	}
}

func TestPeopleReadOnlyAndUnknown(t *testing.T) {
	s := testkit.Start(t)
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	path := "/admin/users/" + s.User.ID

	p := ro.Get(t, path)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, testkit.UserLogin) {
		t.Fatalf("read-only person page: %d", p.Status)
	}
	for _, control := range []string{"<form method=\"post\" action=\"" + path, `id="add-person"`} {
		if strings.Contains(p.Body, control) || strings.Contains(ro.Get(t, "/admin/users").Body, control) {
			t.Errorf("read-only admin offered %s", control)
		}
	}
	before, _ := s.Store.GetUser(ctx, s.User.ID)
	posts := map[string]url.Values{
		"/admin/users":                     {"firstName": {"X"}, "lastName": {"Y"}, "login": {"xy"}, "email": {"x@example.com"}, "password_mode": {"none"}},
		path + "/profile":                  {"title": {"Boss"}},
		path + "/password":                 {"password": {"a brand new secret"}},
		path + "/lifecycle/suspend":        nil,
		path + "/delete":                   nil,
		path + "/sessions/end":             nil,
		path + "/roles":                    {"type": {domain.RoleSuperAdmin}},
		path + "/roles/" + "ra1any/delete": nil,
	}
	for to, form := range posts {
		if p := ro.Post(t, to, form); p.Status != http.StatusForbidden {
			t.Errorf("read-only POST %s: %d", to, p.Status)
		}
	}
	after, _ := s.Store.GetUser(ctx, s.User.ID)
	roles, _ := s.Service.UserRoles(ctx, s.User.ID)
	if after.Status != before.Status || after.Title != "" || after.PasswordHash != before.PasswordHash || len(roles) != 0 {
		t.Fatalf("read-only admin changed the user: %+v roles %v", after, roles)
	}
	if _, err := s.Store.GetUserByLogin(ctx, "xy"); err == nil {
		t.Fatal("read-only admin added a person")
	}

	unknown := "/admin/users/00unosuchuser"
	if p := admin.Get(t, unknown); p.Status != http.StatusNotFound {
		t.Errorf("GET unknown person: %d", p.Status)
	}
	for to, form := range map[string]url.Values{
		unknown + "/profile": {"title": {"Boss"}}, unknown + "/password": {"password": {"a brand new secret"}},
		unknown + "/lifecycle/suspend": nil, unknown + "/delete": nil, unknown + "/sessions/end": nil,
		unknown + "/roles": {"type": {domain.RoleSuperAdmin}}, unknown + "/roles/ra1x/delete": nil,
	} {
		if p := admin.Post(t, to, form); p.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", to, p.Status)
		}
	}
}
