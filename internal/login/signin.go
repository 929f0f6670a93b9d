package login

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Messages the hosted sign-in form shows. One message covers every failed
// sign-in, so that the page never tells which logins exist.
const (
	SignInFailedMessage    = "Unable to sign in. Check your username and password."
	SignInThrottledMessage = "Too many failed sign-in attempts. Wait a minute and try again."
)

// ErrSignInFailed is a wrong login or password, or a user who may not sign in.
var ErrSignInFailed = errors.New("login: sign-in failed")

// Sign-in throttling: per login and per client address, signInBurst
// failures at once, then one more per signInRefill.
const (
	signInBurst  = 10
	signInRefill = 30 * time.Second
)

// Authenticator checks the hosted sign-in form's username and password for
// every page that has one (an app's authorization request, the Admin
// Console), with one throttle and one System Log record per attempt.
type Authenticator struct {
	users    domain.UserFinder
	throttle *Throttle
	events   eventlog.Recorder
}

// NewAuthenticator returns an Authenticator over the directory; events may
// be nil.
func NewAuthenticator(users domain.UserFinder, events eventlog.Recorder, now func() time.Time) *Authenticator {
	return &Authenticator{users: users, throttle: NewThrottle(signInBurst, signInRefill, now), events: events}
}

// SignIn checks a login and password. It returns the user, or
// ErrSignInFailed, domain.ErrThrottled, or a store failure.
func (a *Authenticator) SignIn(r *http.Request, login, password string) (store.User, error) {
	ip := httpx.ClientIP(r)
	user, ok, err := domain.Authenticate(r.Context(), a.users, login, password, throttleGate{a.throttle, login, ip})
	switch {
	case errors.Is(err, domain.ErrThrottled):
		a.record(r, user, login, "RATE_LIMITED")
		return store.User{}, err
	case err != nil:
		return store.User{}, err
	case !ok:
		a.record(r, user, login, "INVALID_CREDENTIALS")
		return store.User{}, ErrSignInFailed
	}
	a.record(r, user, login, "")
	return user, nil
}

// throttleGate applies the sign-in throttle to one login from one address.
type throttleGate struct {
	t         *Throttle
	login, ip string
}

func (g throttleGate) Allowed() bool { return g.t.Allowed(g.login, g.ip) }
func (g throttleGate) Failed()       { g.t.Failed(g.login, g.ip) }

// maxLoggedLogin bounds the login a failed sign-in records.
const maxLoggedLogin = 256

// record writes user.session.start: on success the actor is the user; on a
// failure (reason set) it is the login that was tried, never anything
// about the password.
func (a *Authenticator) record(r *http.Request, user store.User, login, reason string) {
	if a.events == nil {
		return
	}
	e := store.Event{EventType: "user.session.start", DisplayMessage: "User login to Okta", RequestURI: r.URL.Path}
	if reason == "" {
		e.Actor = UserActor(user)
	} else {
		if len(login) > maxLoggedLogin {
			login = strings.ToValidUTF8(login[:maxLoggedLogin], "")
		}
		e.Actor = store.EventObject{ID: "unknown", Type: "User", AlternateID: login, DisplayName: "unknown"}
		e.Outcome, e.Reason, e.Severity = "FAILURE", reason, "WARN"
	}
	a.events.Record(r.Context(), e)
}

// UserActor names a user in the System Log.
func UserActor(u store.User) store.EventObject {
	name := u.DisplayName
	if name == "" {
		name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	return store.EventObject{ID: u.ID, Type: "User", AlternateID: u.Login, DisplayName: name}
}
