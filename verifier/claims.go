package verifier

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Claims are the claims of a verified access token, named as in Okta's
// access tokens. Time claims are zero when absent.
type Claims struct {
	Ver    int    // ver: 1
	JTI    string // jti: "AT.…"
	Issuer string // iss
	// Audience is the aud claim. When the token lists several audiences
	// it is the one the Verifier accepts; Raw["aud"] holds them all.
	Audience  string
	IssuedAt  time.Time // iat
	ExpiresAt time.Time // exp
	NotBefore time.Time // nbf
	ClientID  string    // cid: the OAuth client the token was issued to
	UserID    string    // uid: the user's id; empty when there is no user
	Scopes    []string  // scp (or, for other issuers, a space-separated scope claim)
	// Subject is sub: for Okta and Gatehouse the user's login (not the
	// id, see UserID), or the client id when there is no user.
	Subject  string
	AuthTime time.Time // auth_time: when the user signed in
	// Raw holds every claim as encoding/json decodes it into an any
	// (numbers are float64), custom claims such as groups included.
	Raw map[string]any

	audiences []string
}

// HasScope reports whether the token was granted scope s.
func (c *Claims) HasScope(s string) bool { return slices.Contains(c.Scopes, s) }

// Decode decodes the claim name into v, for custom claims:
//
//	var groups []string
//	err := claims.Decode("groups", &groups)
//
// A missing claim leaves v alone and returns nil.
func (c *Claims) Decode(name string, v any) error {
	raw, ok := c.Raw[name]
	if !ok {
		return nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// requireScopes returns ErrInsufficientScope naming the first missing scope.
func (c *Claims) requireScopes(scopes []string) error {
	for _, s := range scopes {
		if !c.HasScope(s) {
			return fmt.Errorf("%w: scope %q not granted", ErrInsufficientScope, s)
		}
	}
	return nil
}

// wireClaims is the JSON shape; type errors in it make a token malformed.
type wireClaims struct {
	Ver       json.RawMessage `json:"ver"`
	JTI       string          `json:"jti"`
	Issuer    string          `json:"iss"`
	Audience  audience        `json:"aud"`
	IssuedAt  *numericDate    `json:"iat"`
	ExpiresAt *numericDate    `json:"exp"`
	NotBefore *numericDate    `json:"nbf"`
	ClientID  string          `json:"cid"`
	UserID    string          `json:"uid"`
	Scp       *scopeList      `json:"scp"`
	Scope     json.RawMessage `json:"scope"`
	Subject   string          `json:"sub"`
	AuthTime  *numericDate    `json:"auth_time"`
}

func parseClaims(payload []byte) (*Claims, error) {
	var w wireClaims
	if err := json.Unmarshal(payload, &w); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	c := &Claims{
		JTI: w.JTI, Issuer: w.Issuer, ClientID: w.ClientID, UserID: w.UserID, Subject: w.Subject,
		IssuedAt: w.IssuedAt.time(), ExpiresAt: w.ExpiresAt.time(), NotBefore: w.NotBefore.time(),
		AuthTime: w.AuthTime.time(), audiences: w.Audience,
	}
	if len(w.Audience) > 0 {
		c.Audience = w.Audience[0]
	}
	// ver is 1 for Okta; other issuers use strings ("2.0"), kept in Raw.
	var ver json.Number
	if json.Unmarshal(w.Ver, &ver) == nil {
		if n, err := ver.Int64(); err == nil && n >= math.MinInt32 && n <= math.MaxInt32 {
			c.Ver = int(n)
		}
	}
	var scope string
	switch {
	case w.Scp != nil:
		c.Scopes = *w.Scp
	case json.Unmarshal(w.Scope, &scope) == nil: // RFC 9068 §2.2.3
		c.Scopes = strings.Fields(scope)
	}
	if err := json.Unmarshal(payload, &c.Raw); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	return c, nil
}

// audience is aud: a string or an array of strings (RFC 7519 §4.1.3).
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*a = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = audience{s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("aud is neither a string nor an array of strings")
	}
	*a = list
	return nil
}

// scopeList is scp: Okta's array of strings, or a space-separated string.
type scopeList []string

func (l *scopeList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = strings.Fields(s)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("scp is neither an array of strings nor a string")
	}
	*l = list
	return nil
}

// numericDate is a JSON number of seconds since the epoch (RFC 7519 §2).
type numericDate struct{ t time.Time }

func (d *numericDate) UnmarshalJSON(b []byte) error {
	var n json.Number
	if len(b) > 0 && b[0] == '"' {
		return fmt.Errorf("time claim %s is a string, not a number", b)
	}
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("time claim %s is not a number", b)
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return fmt.Errorf("time claim %s is out of range", b)
	}
	sec, frac := math.Modf(f)
	d.t = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return nil
}

func (d *numericDate) time() time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.t
}
