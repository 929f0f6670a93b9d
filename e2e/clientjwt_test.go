package e2e_test

// JWT client authentication (RFC 7523 §2.2, OIDC Core §9): private_key_jwt
// with an inline JWKS or a jwks_uri, and client_secret_jwt, at /token,
// /introspect and /revoke, and every way an assertion is refused.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

const jwtAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// jwtRSA is generated once: 2048-bit keys are slow to make under -race.
var (
	jwtRSAOnce sync.Once
	jwtRSAKeys [3]*rsa.PrivateKey
)

func jwtRSAKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	jwtRSAOnce.Do(func() {
		for n := range jwtRSAKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			jwtRSAKeys[n] = k
		}
	})
	return jwtRSAKeys[i]
}

func jwtECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// jwtPublicSet is the JWKS of the public halves of keys, by kid.
func jwtPublicSet(t testing.TB, keys map[string]any) string {
	t.Helper()
	var set jose.JSONWebKeySet
	for kid, k := range keys {
		var pub any
		switch k := k.(type) {
		case *rsa.PrivateKey:
			pub = &k.PublicKey
		case *ecdsa.PrivateKey:
			pub = &k.PublicKey
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: pub, KeyID: kid, Use: "sig"})
	}
	slices.SortFunc(set.Keys, func(a, b jose.JSONWebKey) int { return strings.Compare(a.KeyID, b.KeyID) })
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jwtClaims is a valid assertion's claim set for clientID at aud.
func jwtClaims(clientID, aud string, now time.Time) map[string]any {
	return map[string]any{
		"iss": clientID, "sub": clientID, "aud": aud, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"jti": domain.RandomToken(16),
	}
}

// jwtSign signs claims with key (a private key or an HMAC secret) as alg,
// naming kid in the header when it is not empty.
func jwtSign(t testing.TB, key any, alg, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// jwtForge builds a compact JWS by hand, for headers no library would sign:
// alg none, or an HMAC keyed with a public key.
func jwtForge(header, claims map[string]any, mac func(signingInput []byte) []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	var sig []byte
	if mac != nil {
		sig = mac([]byte(input))
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func jwtHS256(key []byte) func([]byte) []byte {
	return func(in []byte) []byte {
		m := hmac.New(sha256.New, key)
		m.Write(in)
		return m.Sum(nil)
	}
}

// jwtForm is a form authenticating with the assertion, plus extra pairs.
func jwtForm(assertion string, kv ...string) url.Values {
	v := url.Values{"client_assertion_type": {jwtAssertionType}, "client_assertion": {assertion}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func jwtSealer(t testing.TB) *keys.Sealer {
	t.Helper()
	s, err := keys.NewSealer(testkit.MasterKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jwtApp registers a web app with testkit's redirect URI.
func jwtApp(t testing.TB, s *testkit.Server, p domain.NewAppParams) domain.NewApp {
	t.Helper()
	p.Type, p.RedirectURIs = domain.AppTypeWeb, []string{testkit.RedirectURI}
	if p.Name == "" {
		p.Name = p.AuthMethod
	}
	if p.AuthMethod == domain.AuthMethodSecretJWT {
		p.Sealer = jwtSealer(t)
	}
	a, err := domain.CreateApp(context.Background(), s.Store, p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// jwtIntrospect POSTs to endpoints/introspect; the answer tells whether
// client authentication passed (200) without needing a code.
func jwtIntrospect(t testing.TB, endpoints string, form url.Values) (*http.Response, []byte) {
	t.Helper()
	if !form.Has("token") {
		form.Set("token", "not-a-token")
	}
	return tokenCall{form: form}.do(t, endpoints+"/introspect")
}

func jwtDescription(t testing.TB, body []byte) string {
	t.Helper()
	var e struct {
		Description string `json:"error_description"`
	}
	json.Unmarshal(body, &e)
	return e.Description
}

func TestJWTClientAuthSucceeds(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	// Before any request: a server caches its scopes for a few seconds.
	if _, err := domain.CreateScope(context.Background(), s.Store, domain.NewScopeParams{
		AuthServerID: domain.DefaultServerID, Name: "jwt:batch"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	rsaKey, ecKey := jwtRSAKey(t, 0), jwtECKey(t)
	pkj := jwtApp(t, s, domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT,
		JWKS: jwtPublicSet(t, map[string]any{"rsa-1": rsaKey, "ec-1": ecKey})})
	csj := jwtApp(t, s, domain.NewAppParams{AuthMethod: domain.AuthMethodSecretJWT})
	if len(csj.ClientSecret) < 64 {
		t.Fatalf("client_secret_jwt secret %q: want at least 64 characters (HS512 key)", csj.ClientSecret)
	}
	c := signedIn(t, s)
	ep := defaultEndpoints(s)
	tokenURL := ep + "/token"

	t.Run("private_key_jwt RS256 redeems a code", func(t *testing.T) {
		code := authorizeCode(t, s, c, ep, s.Issuer(), pkj.App.ClientID, nil)
		a := jwtSign(t, rsaKey, "RS256", "rsa-1", jwtClaims(pkj.App.ClientID, tokenURL, time.Now()))
		form := jwtForm(a, "grant_type", "authorization_code", "code", code, "redirect_uri", testkit.RedirectURI)
		resp, body := tokenCall{form: form}.do(t, tokenURL)
		tr := decodeTokenResponse(t, resp, body)
		if claims := jwtPayload(t, tr.IDToken); claims["aud"] != pkj.App.ClientID {
			t.Errorf("ID token aud %v, want %s", claims["aud"], pkj.App.ClientID)
		}

		// ES256 with the set's other key at /introspect, PS256 at /revoke.
		a = jwtSign(t, ecKey, "ES256", "ec-1", jwtClaims(pkj.App.ClientID, ep+"/introspect", time.Now()))
		resp, body = jwtIntrospect(t, ep, jwtForm(a, "token", tr.AccessToken))
		var in struct {
			Active   bool   `json:"active"`
			ClientID string `json:"client_id"`
		}
		if json.Unmarshal(body, &in); resp.StatusCode != 200 || !in.Active || in.ClientID != pkj.App.ClientID {
			t.Fatalf("introspect: %d %s", resp.StatusCode, body)
		}
		a = jwtSign(t, rsaKey, "PS256", "rsa-1", jwtClaims(pkj.App.ClientID, ep+"/revoke", time.Now()))
		resp, body = tokenCall{form: jwtForm(a, "token", tr.AccessToken)}.do(t, ep+"/revoke")
		if resp.StatusCode != 200 {
			t.Fatalf("revoke: %d %s", resp.StatusCode, body)
		}
		a = jwtSign(t, ecKey, "ES256", "ec-1", jwtClaims(pkj.App.ClientID, ep+"/introspect", time.Now()))
		resp, body = jwtIntrospect(t, ep, jwtForm(a, "token", tr.AccessToken))
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"active":false`) {
			t.Fatalf("introspect after revoke: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("client_secret_jwt HS256 redeems a code", func(t *testing.T) {
		code := authorizeCode(t, s, c, ep, s.Issuer(), csj.App.ClientID, nil)
		a := jwtSign(t, []byte(csj.ClientSecret), "HS256", "", jwtClaims(csj.App.ClientID, tokenURL, time.Now()))
		form := jwtForm(a, "grant_type", "authorization_code", "code", code, "redirect_uri", testkit.RedirectURI,
			"client_id", csj.App.ClientID) // client_id may come along when it matches
		resp, body := tokenCall{form: form}.do(t, tokenURL)
		decodeTokenResponse(t, resp, body)
	})

	for _, alg := range []string{"HS384", "HS512"} {
		t.Run("client_secret_jwt "+alg, func(t *testing.T) {
			a := jwtSign(t, []byte(csj.ClientSecret), alg, "", jwtClaims(csj.App.ClientID, ep+"/introspect", time.Now()))
			if resp, body := jwtIntrospect(t, ep, jwtForm(a)); resp.StatusCode != 200 {
				t.Fatalf("introspect: %d %s", resp.StatusCode, body)
			}
		})
	}
	for _, alg := range []string{"RS384", "RS512", "PS384", "PS512"} {
		t.Run("private_key_jwt "+alg, func(t *testing.T) {
			a := jwtSign(t, rsaKey, alg, "rsa-1", jwtClaims(pkj.App.ClientID, ep+"/introspect", time.Now()))
			if resp, body := jwtIntrospect(t, ep, jwtForm(a)); resp.StatusCode != 200 {
				t.Fatalf("introspect: %d %s", resp.StatusCode, body)
			}
		})
	}
	t.Run("private_key_jwt ES384 and ES512", func(t *testing.T) {
		k384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		k521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		app := jwtApp(t, s, domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT,
			JWKS: jwtPublicSet(t, map[string]any{"p384": k384, "p521": k521})})
		for kid, k := range map[string]*ecdsa.PrivateKey{"p384": k384, "p521": k521} {
			alg := map[string]string{"p384": "ES384", "p521": "ES512"}[kid]
			a := jwtSign(t, k, alg, kid, jwtClaims(app.App.ClientID, ep+"/introspect", time.Now()))
			if resp, body := jwtIntrospect(t, ep, jwtForm(a)); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", alg, resp.StatusCode, body)
			}
		}
	})

	t.Run("a single key needs no kid", func(t *testing.T) {
		single := jwtApp(t, s, domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT,
			JWKS: jwtPublicSet(t, map[string]any{"only": jwtRSAKey(t, 1)})})
		a := jwtSign(t, jwtRSAKey(t, 1), "RS256", "", jwtClaims(single.App.ClientID, tokenURL, time.Now()))
		resp, body := tokenCall{form: jwtForm(a, "grant_type", "authorization_code", "code", "unknown",
			"redirect_uri", testkit.RedirectURI)}.do(t, tokenURL)
		// Client authentication passed: the grant is what fails.
		assertOAuthError(t, resp, body, 400, "invalid_grant")
	})

	// Audience decision: each endpoint takes its own URL and the issuer;
	// /introspect and /revoke also take the token endpoint.
	t.Run("accepted audiences", func(t *testing.T) {
		for _, tc := range []struct{ endpoint, aud string }{
			{"/token", s.Issuer()},
			{"/token", tokenURL},
			{"/introspect", tokenURL},
			{"/introspect", s.Issuer()},
			{"/revoke", tokenURL},
			{"/revoke", s.Issuer()},
			{"/revoke", ep + "/revoke"},
		} {
			claims := jwtClaims(pkj.App.ClientID, tc.aud, time.Now())
			claims["aud"] = []string{"https://elsewhere.example.com", tc.aud} // a list that contains it
			a := jwtSign(t, rsaKey, "RS256", "rsa-1", claims)
			form := jwtForm(a, "token", "x")
			if tc.endpoint == "/token" {
				form = jwtForm(a, "grant_type", "unsupported-grant")
			}
			resp, body := tokenCall{form: form}.do(t, ep+tc.endpoint)
			if resp.StatusCode == 401 {
				t.Errorf("%s with aud %s: %d %s", tc.endpoint, tc.aud, resp.StatusCode, body)
			}
		}
	})

	// Okta's management SDK sends client_credentials with the assertion in
	// the query string and an empty body.
	t.Run("client_credentials from a service app, parameters in the query", func(t *testing.T) {
		svc, err := domain.CreateApp(context.Background(), s.Store, domain.NewAppParams{Name: "Batch", Type: domain.AppTypeService,
			AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKS: jwtPublicSet(t, map[string]any{"svc": ecKey})}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		claims := jwtClaims(svc.App.ClientID, tokenURL, time.Now())
		claims["exp"] = time.Now().Add(time.Hour).Unix() // the SDK asks for exactly one hour
		q := jwtForm(jwtSign(t, ecKey, "ES256", "svc", claims), "grant_type", "client_credentials", "scope", "jwt:batch")
		req, _ := http.NewRequest(http.MethodPost, tokenURL+"?"+q.Encode(), nil)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := plainClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		tr := decodeTokenResponse(t, resp, body)
		if tr.Scope != "jwt:batch" || tr.IDToken != "" {
			t.Errorf("client_credentials answer %s", body)
		}
	})

	t.Run("org server", func(t *testing.T) {
		org := orgEndpoints(s)
		code := authorizeCode(t, s, c, org, s.URL, pkj.App.ClientID, nil)
		a := jwtSign(t, rsaKey, "RS256", "rsa-1", jwtClaims(pkj.App.ClientID, s.URL+"/oauth2/v1/token", time.Now()))
		form := jwtForm(a, "grant_type", "authorization_code", "code", code, "redirect_uri", testkit.RedirectURI)
		resp, body := tokenCall{form: form}.do(t, org+"/token")
		decodeTokenResponse(t, resp, body)
	})

	t.Run("discovery", func(t *testing.T) {
		for _, u := range []string{s.Issuer() + "/.well-known/openid-configuration", s.URL + "/.well-known/oauth-authorization-server"} {
			var d map[string]any
			getJSON(t, u, &d)
			for _, field := range []string{"token_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported",
				"revocation_endpoint_auth_methods_supported"} {
				list, _ := d[field].([]any)
				if !slices.Contains(list, any("private_key_jwt")) || !slices.Contains(list, any("client_secret_jwt")) {
					t.Errorf("%s %s = %v", u, field, list)
				}
			}
			algs, _ := d["token_endpoint_auth_signing_alg_values_supported"].([]any)
			for _, alg := range []string{"RS256", "ES256", "PS256", "HS256", "HS512"} {
				if !slices.Contains(algs, any(alg)) {
					t.Errorf("%s token_endpoint_auth_signing_alg_values_supported = %v, lacks %s", u, algs, alg)
				}
			}
			if slices.Contains(algs, any("none")) {
				t.Errorf("%s advertises alg none", u)
			}
		}
	})
}

func TestJWTClientAuthFailures(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	rsaKey, otherKey := jwtRSAKey(t, 0), jwtRSAKey(t, 2)
	ecKey := jwtECKey(t)
	pkj := jwtApp(t, s, domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT,
		JWKS: jwtPublicSet(t, map[string]any{"k1": rsaKey, "ec-1": ecKey})})
	other := jwtApp(t, s, domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT,
		JWKS: jwtPublicSet(t, map[string]any{"k1": otherKey})})
	csj := jwtApp(t, s, domain.NewAppParams{AuthMethod: domain.AuthMethodSecretJWT})
	ep := defaultEndpoints(s)
	tokenURL := ep + "/token"
	id := pkj.App.ClientID

	// claims returns a valid claim set with changes; a nil value deletes.
	claims := func(kv ...any) map[string]any {
		c := jwtClaims(id, tokenURL, time.Now())
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return c
	}
	rs256 := func(c map[string]any) string { return jwtSign(t, rsaKey, "RS256", "k1", c) }
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	now := time.Now()

	replayed := rs256(claims())
	if resp, body := (tokenCall{form: jwtForm(replayed, "grant_type", "unsupported")}).do(t, tokenURL); resp.StatusCode != 400 {
		t.Fatalf("first use of the assertion: %d %s", resp.StatusCode, body)
	}

	cases := []struct {
		name   string
		form   url.Values
		basic  bool // also send HTTP Basic with the web app's credentials
		status int
		code   string
		want   string // in error_description
	}{
		{"wrong aud: another server's token endpoint", jwtForm(rs256(claims("aud", s.URL+"/oauth2/v1/token"))), false, 401, "invalid_client", "aud"},
		{"wrong aud: the org issuer", jwtForm(rs256(claims("aud", s.URL))), false, 401, "invalid_client", "aud"},
		{"wrong aud: another URL", jwtForm(rs256(claims("aud", "https://evil.example.com/token"))), false, 401, "invalid_client", "aud"},
		{"wrong aud: the introspection endpoint at /token", jwtForm(rs256(claims("aud", ep+"/introspect"))), false, 401, "invalid_client", "aud"},
		{"wrong aud: trailing slash", jwtForm(rs256(claims("aud", tokenURL+"/"))), false, 401, "invalid_client", "aud"},
		{"no aud", jwtForm(rs256(claims("aud", nil))), false, 401, "invalid_client", "aud"},
		{"expired", jwtForm(rs256(claims("exp", now.Add(-2*time.Minute).Unix(), "iat", now.Add(-10*time.Minute).Unix()))), false, 401, "invalid_client", "expired"},
		{"exp more than an hour ahead", jwtForm(rs256(claims("exp", now.Add(2*time.Hour).Unix()))), false, 401, "invalid_client", "one hour"},
		{"no exp", jwtForm(rs256(claims("exp", nil))), false, 401, "invalid_client", "exp"},
		{"iat in the future", jwtForm(rs256(claims("iat", now.Add(10*time.Minute).Unix()))), false, 401, "invalid_client", "iat"},
		{"nbf in the future", jwtForm(rs256(claims("nbf", now.Add(10*time.Minute).Unix()))), false, 401, "invalid_client", "nbf"},
		{"missing jti", jwtForm(rs256(claims("jti", nil))), false, 401, "invalid_client", "jti"},
		{"replayed jti", jwtForm(replayed), false, 401, "invalid_client", "already been used"},
		{"alg none", jwtForm(jwtForge(map[string]any{"alg": "none", "kid": "k1"}, claims(), nil)), false, 401, "invalid_client", "alg none"},
		{"alg None", jwtForm(jwtForge(map[string]any{"alg": "None"}, claims(), nil)), false, 401, "invalid_client", "none"},
		{"HS256 keyed with the RSA public key (PEM)", jwtForm(jwtForge(map[string]any{"alg": "HS256", "kid": "k1"}, claims(), jwtHS256(pubPEM))), false, 401, "invalid_client", "HS256"},
		{"HS256 keyed with the RSA public key (DER)", jwtForm(jwtForge(map[string]any{"alg": "HS256"}, claims(), jwtHS256(pubDER))), false, 401, "invalid_client", "HS256"},
		{"RS256 for a client_secret_jwt app", jwtForm(jwtSign(t, rsaKey, "RS256", "", jwtClaims(csj.App.ClientID, tokenURL, now))), false, 401, "invalid_client", "RS256"},
		{"client_secret_jwt with a wrong secret", jwtForm(jwtSign(t, []byte(strings.Repeat("w", 64)), "HS256", "", jwtClaims(csj.App.ClientID, tokenURL, now))), false, 401, "invalid_client", "signature"},
		{"unknown kid", jwtForm(jwtSign(t, rsaKey, "RS256", "k9", claims())), false, 401, "invalid_client", "k9"},
		{"no kid with several keys", jwtForm(jwtSign(t, rsaKey, "RS256", "", claims())), false, 401, "invalid_client", "kid"},
		{"ES256 with the RSA key's kid", jwtForm(jwtSign(t, ecKey, "ES256", "k1", claims())), false, 401, "invalid_client", "signature"},
		{"another client's key", jwtForm(jwtSign(t, otherKey, "RS256", "k1", claims())), false, 401, "invalid_client", "signature"},
		{"tampered claims", jwtForm(func() string {
			parts := strings.Split(rs256(claims()), ".")
			forged, _ := json.Marshal(claims("sub", id, "exp", now.Add(50*time.Minute).Unix()))
			parts[1] = base64.RawURLEncoding.EncodeToString(forged)
			return strings.Join(parts, ".")
		}()), false, 401, "invalid_client", "signature"},
		{"iss differs from sub", jwtForm(rs256(claims("iss", other.App.ClientID))), false, 401, "invalid_client", "iss and sub"},
		{"no iss", jwtForm(rs256(claims("iss", nil))), false, 401, "invalid_client", "iss and sub"},
		{"unknown client", jwtForm(rs256(claims("iss", "0oaUnknownClient0000", "sub", "0oaUnknownClient0000"))), false, 401, "invalid_client", "not valid"},
		{"other client's id with this client's key", jwtForm(rs256(claims("iss", other.App.ClientID, "sub", other.App.ClientID))), false, 401, "invalid_client", "signature"},
		{"encrypted JWT (JWE)", jwtForm("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"), false, 401, "invalid_client", "JWE"},
		{"not a JWT", jwtForm("garbage"), false, 401, "invalid_client", "well-formed"},
		{"undecodable header", jwtForm("!!.e30.x"), false, 401, "invalid_client", "well-formed"},
		{"wrong assertion type", func() url.Values {
			f := jwtForm(rs256(claims()))
			f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
			return f
		}(), false, 400, "invalid_request", "client_assertion_type"},
		{"assertion type without an assertion", url.Values{"client_assertion_type": {jwtAssertionType}}, false, 400, "invalid_request", "client_assertion"},
		{"assertion without a type", url.Values{"client_assertion": {rs256(claims())}}, false, 400, "invalid_request", "client_assertion_type"},
		{"client_id that is not the sub", jwtForm(rs256(claims()), "client_id", other.App.ClientID), false, 400, "invalid_request", "client_id"},
		{"assertion and HTTP Basic", jwtForm(rs256(claims())), true, 400, "invalid_request", "multiple client credentials"},
		{"assertion and client_secret", jwtForm(rs256(claims()), "client_secret", "x"), false, 400, "invalid_request", "multiple client credentials"},
		{"secret method mismatch: assertion from a client_secret_basic app", jwtForm(jwtSign(t, []byte(s.WebSecret), "HS256", "",
			jwtClaims(s.WebApp.ClientID, tokenURL, now))), false, 401, "invalid_client", "client_secret_basic"},
		{"secret method mismatch: client_secret_post from a client_secret_jwt app", url.Values{"client_id": {csj.App.ClientID},
			"client_secret": {csj.ClientSecret}}, false, 401, "invalid_client", "client_secret_jwt"},
		{"secret method mismatch: client_secret_jwt assertion for a private_key_jwt app", jwtForm(jwtSign(t, []byte(csj.ClientSecret), "HS256", "",
			claims())), false, 401, "invalid_client", "HS256"},
		{"private_key_jwt app with only its client_id", url.Values{"client_id": {id}}, false, 401, "invalid_client", "private_key_jwt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := tc.form
			form.Set("grant_type", "authorization_code")
			form.Set("code", "never-issued")
			form.Set("redirect_uri", testkit.RedirectURI)
			call := tokenCall{form: form}
			if tc.basic {
				call.basicID, call.basicSecret = s.WebApp.ClientID, s.WebSecret
			}
			resp, body := call.do(t, tokenURL)
			assertOAuthError(t, resp, body, tc.status, tc.code)
			if d := jwtDescription(t, body); !strings.Contains(d, tc.want) {
				t.Errorf("error_description %q does not mention %q", d, tc.want)
			}
		})
	}

	t.Run("failures at introspect and revoke too", func(t *testing.T) {
		for _, endpoint := range []string{"/introspect", "/revoke"} {
			a := rs256(claims("aud", ep+endpoint, "exp", now.Add(-time.Hour).Unix()))
			resp, body := tokenCall{form: jwtForm(a, "token", "x")}.do(t, ep+endpoint)
			assertOAuthError(t, resp, body, 401, "invalid_client")
			resp, body = tokenCall{form: jwtForm(a, "token", "x", "client_secret", "x")}.do(t, ep+endpoint)
			assertOAuthError(t, resp, body, 400, "invalid_request")
		}
	})

	t.Run("a refused assertion does not burn its jti", func(t *testing.T) {
		c := claims("aud", "https://evil.example.com/token")
		resp, body := tokenCall{form: jwtForm(rs256(c), "grant_type", "unsupported")}.do(t, tokenURL)
		assertOAuthError(t, resp, body, 401, "invalid_client")
		c["aud"] = tokenURL // the same jti, now valid
		resp, body = tokenCall{form: jwtForm(rs256(c), "grant_type", "unsupported")}.do(t, tokenURL)
		assertOAuthError(t, resp, body, 400, "unsupported_grant_type")
	})

	t.Run("jti is per client", func(t *testing.T) {
		jti := domain.RandomToken(8)
		for _, a := range []string{
			rs256(claims("jti", jti)),
			jwtSign(t, []byte(csj.ClientSecret), "HS256", "", func() map[string]any {
				c := jwtClaims(csj.App.ClientID, tokenURL, now)
				c["jti"] = jti
				return c
			}()),
		} {
			resp, body := tokenCall{form: jwtForm(a, "grant_type", "unsupported")}.do(t, tokenURL)
			assertOAuthError(t, resp, body, 400, "unsupported_grant_type")
		}
	})
}

// jwtKeyServer serves a JWKS that the test can change, counting fetches.
type jwtKeyServer struct {
	*httptest.Server
	mu      sync.Mutex
	body    string
	status  int
	fetches atomic.Int32
}

func newJWTKeyServer(t *testing.T) *jwtKeyServer {
	ks := &jwtKeyServer{status: 200}
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.fetches.Add(1)
		time.Sleep(20 * time.Millisecond) // let concurrent requests pile up on one fetch
		ks.mu.Lock()
		defer ks.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ks.status)
		w.Write([]byte(ks.body))
	}))
	t.Cleanup(ks.Close)
	return ks
}

func (ks *jwtKeyServer) serve(body string, status int) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.body, ks.status = body, status
}

func TestJWTClientAuthJWKSURI(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	ks := newJWTKeyServer(t)
	keyA, keyB, keyC := jwtECKey(t), jwtECKey(t), jwtECKey(t)
	ks.serve(jwtPublicSet(t, map[string]any{"a": keyA}), 200)
	app := jwtApp(t, s, domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKSURI: ks.URL + "/jwks.json"})
	ep := defaultEndpoints(s)

	try := func(key *ecdsa.PrivateKey, kid string) (*http.Response, []byte) {
		t.Helper()
		a := jwtSign(t, key, "ES256", kid, jwtClaims(app.App.ClientID, ep+"/introspect", clk.Now()))
		return jwtIntrospect(t, ep, jwtForm(a))
	}
	ok := func(what string, key *ecdsa.PrivateKey, kid string, fetches int32) {
		t.Helper()
		if resp, body := try(key, kid); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", what, resp.StatusCode, body)
		}
		if n := ks.fetches.Load(); n != fetches {
			t.Fatalf("%s: %d fetches of the jwks_uri, want %d", what, n, fetches)
		}
	}
	refused := func(what string, key *ecdsa.PrivateKey, kid string, fetches int32, want string) {
		t.Helper()
		resp, body := try(key, kid)
		assertOAuthError(t, resp, body, 401, "invalid_client")
		if d := jwtDescription(t, body); !strings.Contains(d, want) {
			t.Errorf("%s: error_description %q does not mention %q", what, d, want)
		}
		if n := ks.fetches.Load(); n != fetches {
			t.Fatalf("%s: %d fetches of the jwks_uri, want %d", what, n, fetches)
		}
	}

	ok("first use fetches the set", keyA, "a", 1)
	ok("the set is cached", keyA, "a", 1)

	// The client rotates to key b. An unknown kid refetches at once, but
	// not twice within 10 s.
	clk.Advance(11 * time.Second)
	ks.serve(jwtPublicSet(t, map[string]any{"b": keyB}), 200)
	ok("a new kid refetches", keyB, "b", 2)
	ks.serve(jwtPublicSet(t, map[string]any{"c": keyC}), 200)
	refused("a second rotation within 10 s is not fetched", keyC, "c", 2, `"c"`)

	// A burst of made-up kids fetches nothing more.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := jwtSign(t, keyC, "ES256", "made-up-"+string(rune('a'+i)), jwtClaims(app.App.ClientID, ep+"/introspect", clk.Now()))
			resp, _ := jwtIntrospect(t, ep, jwtForm(a))
			if resp.StatusCode != 401 {
				t.Errorf("made-up kid: %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if n := ks.fetches.Load(); n != 2 {
		t.Fatalf("made-up kids caused %d fetches, want 2 in all", n)
	}

	clk.Advance(11 * time.Second)
	ok("after 10 s the new kid is fetched", keyC, "c", 3)
	refused("a removed key stops working", keyB, "b", 3, `"b"`)

	// Concurrent requests with a new kid share one fetch.
	clk.Advance(11 * time.Second)
	keyD := jwtECKey(t)
	ks.serve(jwtPublicSet(t, map[string]any{"c": keyC, "d": keyD}), 200)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := jwtSign(t, keyD, "ES256", "d", jwtClaims(app.App.ClientID, ep+"/introspect", clk.Now()))
			if resp, body := jwtIntrospect(t, ep, jwtForm(a)); resp.StatusCode != 200 {
				t.Errorf("concurrent new kid: %d %s", resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	if n := ks.fetches.Load(); n != 4 {
		t.Fatalf("concurrent requests for a new kid: %d fetches in all, want 4", n)
	}

	// The cached set lives five minutes; then it is fetched again.
	clk.Advance(5 * time.Minute)
	ok("a stale set is refetched", keyC, "c", 5)

	// A set that cannot be fetched fails client authentication cleanly.
	clk.Advance(5 * time.Minute)
	ks.serve("oops", 500)
	refused("the jwks_uri fails", keyC, "c", 6, "jwks_uri")
	refused("a failed fetch is not retried at once", keyC, "c", 6, "jwks_uri")
	clk.Advance(11 * time.Second)
	ks.serve(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`, 200)
	refused("a set without usable keys", keyC, "c", 7, "jwks_uri")
	clk.Advance(11 * time.Second)
	ks.serve(jwtPublicSet(t, map[string]any{"c": keyC}), 200)
	ok("the jwks_uri is back", keyC, "c", 8)
}
