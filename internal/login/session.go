package login

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Cookie names.
const (
	SessionCookie = "gh_session"
	CSRFCookie    = "gh_csrf"
)

// Sessions manages sign-in sessions. The cookie holds 256 random bits; the
// store keeps only their hash, so a leaked database cannot be replayed as a
// cookie.
type Sessions struct {
	st       store.Sessions
	lifetime time.Duration
	secure   bool
	now      func() time.Time
}

// NewSessions returns a session manager; secure sets the Secure flag on its
// cookies (the server is reached over https).
func NewSessions(st store.Sessions, lifetime time.Duration, secure bool, now func() time.Time) *Sessions {
	return &Sessions{st: st, lifetime: lifetime, secure: secure, now: now}
}

// Current returns the request's live session and its user; ok is false when
// there is none (no cookie, unknown, expired, or the user is no longer active).
func (s *Sessions) Current(r *http.Request) (ses store.Session, u store.User, ok bool, err error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return ses, u, false, nil
	}
	ses, u, err = s.st.GetSession(r.Context(), domain.HashSecret(c.Value), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return ses, u, false, nil
	}
	if err != nil {
		return ses, u, false, err
	}
	return ses, u, u.Status == store.StatusActive, nil
}

// Start begins a new session for u (always a new id, so a session id set
// before sign-in is never promoted) and sets its cookie. Any session the
// request carried is ended.
func (s *Sessions) Start(ctx context.Context, w http.ResponseWriter, r *http.Request, u store.User, amr []string) (store.Session, error) {
	if err := s.end(ctx, r); err != nil {
		return store.Session{}, err
	}
	now := s.now()
	value := domain.RandomToken(32)
	ses := store.Session{
		IDHash: domain.HashSecret(value), UserID: u.ID, AuthTime: now, AMR: amr,
		Created: now, ExpiresAt: now.Add(s.lifetime),
	}
	if err := s.st.CreateSession(ctx, ses); err != nil {
		return store.Session{}, err
	}
	http.SetCookie(w, s.cookie(SessionCookie, value, int(s.lifetime/time.Second)))
	return ses, nil
}

// End deletes the request's session and clears its cookie.
func (s *Sessions) End(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, s.cookie(SessionCookie, "", -1))
	return s.end(ctx, r)
}

func (s *Sessions) end(ctx context.Context, r *http.Request) error {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	return s.st.DeleteSession(ctx, domain.HashSecret(c.Value))
}

// cookie builds a cookie with the flags every Gatehouse cookie carries:
// HttpOnly, SameSite=Lax (sent on the top-level redirect back from an app),
// Secure when served over https.
func (s *Sessions) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	}
}
