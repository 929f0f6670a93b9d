package domain

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// NewUserParams is what a caller supplies to create a user.
type NewUserParams struct {
	Login     string
	Email     string // defaults to Login when Login is an email address
	FirstName string
	LastName  string
	Password  string // empty: the user cannot sign in with a password
}

// CreateUser validates p, hashes the password with argon2id and stores an
// active user.
func CreateUser(ctx context.Context, st store.Users, p NewUserParams, now time.Time) (store.User, error) {
	var v ValidationError
	login := strings.TrimSpace(p.Login)
	if login == "" || len(login) > 100 || strings.IndexFunc(login, unicode.IsSpace) >= 0 {
		v.add("login", "must be 1 to 100 characters without spaces")
	}
	email := strings.TrimSpace(p.Email)
	if email == "" && strings.Contains(login, "@") {
		email = login
	}
	if email != "" && (!strings.Contains(email, "@") || len(email) > 100) {
		v.add("email", "must be an email address")
	}
	u := store.User{
		ID: NewID(PrefixUser), Login: login, Email: email,
		FirstName: strings.TrimSpace(p.FirstName), LastName: strings.TrimSpace(p.LastName),
		Status: store.StatusActive, Created: now, Updated: now,
	}
	u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	if p.Password != "" {
		hash, err := HashPassword(p.Password)
		if err != nil {
			v.add("password", err.Error())
		}
		u.PasswordHash = hash
	}
	if err := v.err(); err != nil {
		return store.User{}, err
	}
	return u, st.CreateUser(ctx, u)
}

// Authenticate checks a login and password. Unknown logins, wrong passwords
// and inactive users all give ok=false after the same work, so the answer
// reveals nothing about which logins exist.
func Authenticate(ctx context.Context, st store.Users, login, password string) (store.User, bool, error) {
	u, err := st.GetUserByLogin(ctx, strings.TrimSpace(login))
	if err != nil && !isNotFound(err) {
		return store.User{}, false, err
	}
	ok, err := CheckPasswordContext(ctx, password, u.PasswordHash) // runs a dummy hash when u is empty
	if err != nil {
		return store.User{}, false, err
	}
	if !ok || u.Status != store.StatusActive {
		return store.User{}, false, nil
	}
	return u, true, nil
}
