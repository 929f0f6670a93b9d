package login

import (
	"crypto/subtle"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
)

// CSRFToken returns the token a form must echo, setting the CSRF cookie when
// the request has none. Forms are also behind http.CrossOriginProtection in
// the server; the token covers browsers that send no Sec-Fetch-Site/Origin.
func (s *Sessions) CSRFToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(CSRFCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	token := domain.RandomToken(32)
	http.SetCookie(w, s.cookie(CSRFCookie, token, 0))
	return token
}

// CheckCSRF reports whether the submitted token matches the CSRF cookie.
func CheckCSRF(r *http.Request, submitted string) bool {
	c, err := r.Cookie(CSRFCookie)
	if err != nil || len(c.Value) != 43 || submitted == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(submitted)) == 1
}
