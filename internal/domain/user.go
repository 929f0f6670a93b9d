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

// UserCreator stores a new user: what CreateUser needs of a directory.
type UserCreator interface {
	CreateUser(ctx context.Context, u store.User) error
}

// CreateUser validates p, hashes the password with argon2id and stores an
// active user. It is the bootstrap path (command line, tests); the
// Management API goes through Service.CreateUser, which applies Okta's
// profile rules.
func CreateUser(ctx context.Context, st UserCreator, p NewUserParams, now time.Time) (store.User, error) {
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
		Status: store.StatusActive, Created: now, Updated: now, Activated: now, StatusChanged: now,
	}
	u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	if p.Password != "" {
		hash, err := HashPassword(p.Password)
		if err != nil {
			v.add("password", err.Error())
		}
		u.PasswordHash, u.PasswordChanged = hash, now
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

// UserFinder finds a user by login: what Authenticate needs of a
// directory.
type UserFinder interface {
	GetUserByLogin(ctx context.Context, login string) (store.User, error)
}

// SignInRecorder is what a directory that keeps sign-in history adds:
// Authenticate records lastLogin and counts failures through it when the
// directory it is given has it.
type SignInRecorder interface {
	RecordSignIn(ctx context.Context, id string, now time.Time) error
	RecordFailedSignIn(ctx context.Context, id string, now time.Time, lockAfter int) (bool, error)
}

// LockoutThreshold is how many failed sign-ins in a row lock a user out
// (LOCKED_OUT until an administrator unlocks them).
const LockoutThreshold = 10

// Authenticate checks a login and password. Unknown logins, wrong passwords
// and inactive users all give ok=false after the same work, so the answer
// reveals nothing about which logins exist. The gate (may be nil) is asked
// and charged while a password-hashing slot is held, so no more attempts
// than there are slots can pass it before the failures are counted; a
// refusal is ErrThrottled. Only an ACTIVE user signs in. When st is a
// SignInRecorder, a success sets lastLogin and a wrong password counts
// towards LockoutThreshold.
func Authenticate(ctx context.Context, st UserFinder, login, password string, gate Gate) (store.User, bool, error) {
	u, err := st.GetUserByLogin(ctx, strings.TrimSpace(login))
	if err != nil && !isNotFound(err) {
		return store.User{}, false, err
	}
	var passwordOK bool
	err = withHashSlot(ctx, func() error {
		if gate != nil && !gate.Allowed() {
			return ErrThrottled
		}
		passwordOK = CheckPassword(password, u.PasswordHash) // a dummy hash when u is empty
		if !(passwordOK && u.Status == store.StatusActive) && gate != nil {
			gate.Failed()
		}
		return nil
	})
	if err != nil {
		return store.User{}, false, err
	}
	rec, records := st.(SignInRecorder)
	if !passwordOK || u.Status != store.StatusActive {
		if records && !passwordOK && u.Status == store.StatusActive {
			if _, err := rec.RecordFailedSignIn(ctx, u.ID, time.Now(), LockoutThreshold); err != nil {
				return store.User{}, false, err
			}
		}
		return store.User{}, false, nil
	}
	if records {
		now := time.Now().UTC()
		if err := rec.RecordSignIn(ctx, u.ID, now); err != nil {
			return store.User{}, false, err
		}
		u.LastLogin, u.FailedSignIns = now, 0
	}
	return u, true, nil
}
