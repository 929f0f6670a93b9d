package store

import (
	"context"
	"strings"
	"time"
)

// Users holds the directory.
type Users interface {
	CreateUser(ctx context.Context, u User) error
	// CreateUserInGroups creates u as a member of each group, all or
	// nothing: an unknown group is ErrNotFound and nothing is stored. The
	// built-in group needs no row: everyone is in it.
	CreateUserInGroups(ctx context.Context, u User, groupIDs []string) error
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByLogin matches the login case-insensitively.
	GetUserByLogin(ctx context.Context, login string) (User, error)
	// ListUsers returns, in id order, at most q.Page.Limit users whose id
	// sorts after q.Page.After and who match q.Filter (nil: everyone), and
	// the cursor of the next page ("" when no rows remain). A filter that
	// the database cannot decide on its own examines at most
	// MaxExamined(q.Page.Limit) rows per call, so such a page may
	// hold fewer users than the limit, even none, while next is set.
	ListUsers(ctx context.Context, q UserQuery) (users []User, next string, err error)
	// UpdateUser replaces every field of the stored user with u's
	// (ErrNotFound, or ErrConflict when the login is taken). endSessions
	// also ends the user's sign-in sessions and revokes their refresh
	// tokens, in the same transaction. It is a blind write: a change based
	// on what was read before goes through ModifyUser.
	UpdateUser(ctx context.Context, u User, endSessions bool) error
	// ModifyUser reads the user, lets fn change it and writes it back in
	// one transaction that holds the user's row, so concurrent
	// modifications apply one after the other and none is lost. fn runs
	// with the row locked: it must be quick (hash passwords before). An
	// error from fn aborts the change and is returned as is; endSessions
	// also ends the user's sessions and revokes their refresh tokens in
	// the same transaction. ErrNotFound, or ErrConflict when the new login
	// is taken. It returns the user as written.
	ModifyUser(ctx context.Context, id string, fn func(u *User) (endSessions bool, err error)) (User, error)
	// DeleteUser removes a user with their sessions, codes, refresh
	// tokens, group memberships and API tokens, in one transaction.
	DeleteUser(ctx context.Context, id string) error
	// EndUserSessions ends every sign-in session of the user and revokes
	// their refresh tokens.
	EndUserSessions(ctx context.Context, id string, now time.Time) error
	// RecordSignIn notes a successful sign-in: lastLogin, and the failed
	// sign-in count back to zero.
	RecordSignIn(ctx context.Context, id string, now time.Time) error
	// RecordFailedSignIn counts a failed sign-in; the lockAfter-th failure
	// in a row moves an ACTIVE user to LOCKED_OUT (locked reports that it
	// happened now) and ends their sessions. Both write only the columns
	// they change, atomically, so they never undo a concurrent change.
	RecordFailedSignIn(ctx context.Context, id string, now time.Time, lockAfter int) (locked bool, err error)
}

// MaxExamined is how many rows one ListUsers or ListGroups call reads at
// most when its filter cannot be decided by the database alone (a custom
// attribute, a range over text): ten pages' worth, and never fewer than
// 1000. The page may then come back short, with a cursor to go on from.
func MaxExamined(limit int) int { return max(10*limit, 1000) }

// User statuses, as Okta spells them. ACTIVE is StatusActive.
const (
	UserStaged          = "STAGED"
	UserProvisioned     = "PROVISIONED"
	UserActive          = StatusActive
	UserRecovery        = "RECOVERY"
	UserPasswordExpired = "PASSWORD_EXPIRED"
	UserLockedOut       = "LOCKED_OUT"
	UserSuspended       = "SUSPENDED"
	UserDeprovisioned   = "DEPROVISIONED"
)

// User is a person in the directory.
type User struct {
	ID          string
	Login       string
	Email       string
	FirstName   string
	LastName    string
	DisplayName string
	MobilePhone string
	StreetAddr  string
	City        string
	State       string
	ZipCode     string
	CountryCode string
	Locale      string
	TimeZone    string
	// The rest of Okta's base profile attributes.
	SecondEmail       string
	MiddleName        string
	HonorificPrefix   string
	HonorificSuffix   string
	Title             string
	NickName          string
	ProfileURL        string
	PrimaryPhone      string
	PostalAddress     string
	PreferredLanguage string
	UserType          string
	EmployeeNumber    string
	CostCenter        string
	Organization      string
	Division          string
	Department        string
	ManagerID         string
	Manager           string
	// Profile holds the custom profile attributes only (any JSON value);
	// nil when there are none.
	Profile      map[string]any
	PasswordHash string
	Status       string
	Created      time.Time
	Updated      time.Time
	// Activated, StatusChanged, LastLogin and PasswordChanged are zero
	// until they happen.
	Activated       time.Time
	StatusChanged   time.Time
	LastLogin       time.Time
	PasswordChanged time.Time
	// FailedSignIns counts failed sign-ins since the last success.
	FailedSignIns int
}

// UserQuery selects a page of users.
type UserQuery struct {
	Filter *Filter
	Page   Page
}

// ProfileAttribute is one of Okta's base profile attributes: its name in
// the profile and where a User holds it.
type ProfileAttribute struct {
	Name  string
	Field func(u *User) *string
}

// ProfileAttributes lists the base profile attributes, in the order Okta
// documents them.
var ProfileAttributes = []ProfileAttribute{
	{"login", func(u *User) *string { return &u.Login }},
	{"email", func(u *User) *string { return &u.Email }},
	{"secondEmail", func(u *User) *string { return &u.SecondEmail }},
	{"firstName", func(u *User) *string { return &u.FirstName }},
	{"lastName", func(u *User) *string { return &u.LastName }},
	{"middleName", func(u *User) *string { return &u.MiddleName }},
	{"honorificPrefix", func(u *User) *string { return &u.HonorificPrefix }},
	{"honorificSuffix", func(u *User) *string { return &u.HonorificSuffix }},
	{"title", func(u *User) *string { return &u.Title }},
	{"displayName", func(u *User) *string { return &u.DisplayName }},
	{"nickName", func(u *User) *string { return &u.NickName }},
	{"profileUrl", func(u *User) *string { return &u.ProfileURL }},
	{"primaryPhone", func(u *User) *string { return &u.PrimaryPhone }},
	{"mobilePhone", func(u *User) *string { return &u.MobilePhone }},
	{"streetAddress", func(u *User) *string { return &u.StreetAddr }},
	{"city", func(u *User) *string { return &u.City }},
	{"state", func(u *User) *string { return &u.State }},
	{"zipCode", func(u *User) *string { return &u.ZipCode }},
	{"postalAddress", func(u *User) *string { return &u.PostalAddress }},
	{"countryCode", func(u *User) *string { return &u.CountryCode }},
	{"preferredLanguage", func(u *User) *string { return &u.PreferredLanguage }},
	{"locale", func(u *User) *string { return &u.Locale }},
	{"timezone", func(u *User) *string { return &u.TimeZone }},
	{"userType", func(u *User) *string { return &u.UserType }},
	{"employeeNumber", func(u *User) *string { return &u.EmployeeNumber }},
	{"costCenter", func(u *User) *string { return &u.CostCenter }},
	{"organization", func(u *User) *string { return &u.Organization }},
	{"division", func(u *User) *string { return &u.Division }},
	{"department", func(u *User) *string { return &u.Department }},
	{"managerId", func(u *User) *string { return &u.ManagerID }},
	{"manager", func(u *User) *string { return &u.Manager }},
}

// BaseAttribute finds a base profile attribute by name (case-sensitive,
// as Okta's attribute names are).
func BaseAttribute(name string) (ProfileAttribute, bool) {
	for _, a := range ProfileAttributes {
		if a.Name == name {
			return a, true
		}
	}
	return ProfileAttribute{}, false
}

// Attr returns the value of a filterable property of u: id, status, one
// of the timestamps (created, lastUpdated, activated, statusChanged,
// lastLogin, passwordChanged) or profile.<attribute>. An empty base
// attribute, a zero time or an absent custom attribute is not present.
func (u User) Attr(name string) (any, bool) {
	switch name {
	case "id":
		return u.ID, true
	case "status":
		return u.Status, true
	case "created":
		return presentTime(u.Created)
	case "lastUpdated":
		return presentTime(u.Updated)
	case "activated":
		return presentTime(u.Activated)
	case "statusChanged":
		return presentTime(u.StatusChanged)
	case "lastLogin":
		return presentTime(u.LastLogin)
	case "passwordChanged":
		return presentTime(u.PasswordChanged)
	}
	attr, ok := strings.CutPrefix(name, "profile.")
	if !ok {
		return nil, false
	}
	if a, ok := BaseAttribute(attr); ok {
		v := *a.Field(&u)
		return v, v != ""
	}
	v, ok := u.Profile[attr]
	return v, ok && v != nil
}

func presentTime(t time.Time) (any, bool) { return t, !t.IsZero() }
