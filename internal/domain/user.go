package domain

import (
	"context"
	"errors"
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

// ErrThrottled means the gate refused the attempt.
var ErrThrottled = errors.New("domain: too many failed sign-ins")

// Gate limits sign-in attempts, such as a rate limit per login.
type Gate interface {
	Allowed() bool // may an attempt start now?
	Failed()       // an attempt failed: charge it
}

// Authenticate checks a login and password. Unknown logins, wrong passwords
// and inactive users all give ok=false after the same work, so the answer
// reveals nothing about which logins exist. The gate (may be nil) is asked
// and charged while a password-hashing slot is held, so no more attempts
// than there are slots can pass it before the failures are counted; a
// refusal is ErrThrottled.
func Authenticate(ctx context.Context, st store.Users, login, password string, gate Gate) (store.User, bool, error) {
	u, err := st.GetUserByLogin(ctx, strings.TrimSpace(login))
	if err != nil && !isNotFound(err) {
		return store.User{}, false, err
	}
	var ok bool
	err = withHashSlot(ctx, func() error {
		if gate != nil && !gate.Allowed() {
			return ErrThrottled
		}
		ok = CheckPassword(password, u.PasswordHash) && u.Status == store.StatusActive // a dummy hash when u is empty
		if !ok && gate != nil {
			gate.Failed()
		}
		return nil
	})
	if err != nil {
		return store.User{}, false, err
	}
	if !ok || u.Status != store.StatusActive {
		return store.User{}, false, nil
	}
	return u, true, nil
}
