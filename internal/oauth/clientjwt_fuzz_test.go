package oauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

const (
	jwtBearerType  = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	introspectPath = "/oauth2/default/v1/introspect"
)

// jwtClients is a server with one app per JWT method and the keys they
// sign with.
type jwtClients struct {
	s         *testkit.Server
	pkj, csj  domain.NewApp
	rsa       *rsa.PrivateKey
	ec        *ecdsa.PrivateKey
	tokenAud  string
	introAud  string
	verifyFor map[string][]any // client id → keys an authentic assertion verifies with
}

func newJWTClients(tb testing.TB, opts testkit.Options) *jwtClients {
	tb.Helper()
	s := testkit.Start(tb, opts)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &rsaKey.PublicKey, KeyID: "rsa"}, {Key: &ecKey.PublicKey, KeyID: "ec"}}})
	sealer, err := keys.NewSealer(testkit.MasterKey)
	if err != nil {
		tb.Fatal(err)
	}
	mk := func(p domain.NewAppParams) domain.NewApp {
		p.Name, p.Type, p.RedirectURIs = p.AuthMethod, domain.AppTypeWeb, []string{testkit.RedirectURI}
		a, err := domain.CreateApp(context.Background(), s.Store, p, time.Now())
		if err != nil {
			tb.Fatal(err)
		}
		return a
	}
	c := &jwtClients{s: s, rsa: rsaKey, ec: ecKey, tokenAud: s.Issuer() + "/v1/token", introAud: s.Issuer() + "/v1/introspect"}
	c.pkj = mk(domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKS: string(set)})
	c.csj = mk(domain.NewAppParams{AuthMethod: domain.AuthMethodSecretJWT, Sealer: sealer})
	c.verifyFor = map[string][]any{
		c.pkj.App.ClientID: {&rsaKey.PublicKey, &ecKey.PublicKey},
		c.csj.App.ClientID: {[]byte(c.csj.ClientSecret)},
	}
	return c
}

// sign makes an assertion for clientID at aud; kv overrides claims (nil
// deletes one).
func (c *jwtClients) sign(tb testing.TB, key any, alg, kid, clientID, aud string, kv ...any) string {
	tb.Helper()
	now := time.Now()
	claims := map[string]any{"iss": clientID, "sub": clientID, "aud": aud, "iat": now.Unix(),
		"exp": now.Add(30 * time.Minute).Unix(), "jti": domain.RandomToken(16)}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(claims, kv[i].(string))
		} else {
			claims[kv[i].(string)] = kv[i+1]
		}
	}
	opts := &jose.SignerOptions{}
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		tb.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		tb.Fatal(err)
	}
	raw, _ := jws.CompactSerialize()
	return raw
}

// authentic reports whether raw is signed by one of clientID's keys: the
// only way client authentication may pass.
func (c *jwtClients) authentic(raw string) bool {
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{"RS256", "RS384", "RS512", "PS256", "PS384",
		"PS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512"})
	if err != nil {
		return false
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims) != nil {
		return false
	}
	for _, k := range c.verifyFor[claims.Sub] {
		if _, err := jws.Verify(k); err == nil {
			return true
		}
	}
	return false
}

// Flags of FuzzClientAssertion.
const (
	caIntrospect = 1 << iota // call /introspect instead of /token
	caClientID               // send the private_key_jwt app's client_id too
	caBasic                  // send HTTP Basic too
	caNoType                 // leave client_assertion_type out
	caSecret                 // send client_secret too
)

func FuzzClientAssertion(f *testing.F) {
	c := newJWTClients(f, testkit.Options{})
	handler := c.s.HTTP.Config.Handler
	pkj, csj := c.pkj.App.ClientID, c.csj.App.ClientID
	pubDER, _ := x509.MarshalPKIXPublicKey(&c.rsa.PublicKey)
	b64 := base64.RawURLEncoding.EncodeToString
	forge := func(header, claims string) string { return b64([]byte(header)) + "." + b64([]byte(claims)) + "." }

	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.ec, "ES256", "ec", pkj, c.introAud), jwtBearerType, uint8(caIntrospect))
	f.Add(c.sign(f, c.rsa, "PS512", "rsa", pkj, c.tokenAud), jwtBearerType, uint8(caClientID))
	f.Add(c.sign(f, []byte(c.csj.ClientSecret), "HS256", "", csj, c.tokenAud), jwtBearerType, uint8(0))
	f.Add(c.sign(f, []byte(c.csj.ClientSecret), "HS512", "", csj, c.introAud), jwtBearerType, uint8(caIntrospect))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud), jwtBearerType, uint8(caBasic))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud), jwtBearerType, uint8(caSecret))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud), "", uint8(caNoType))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud), "urn:ietf:params:oauth:client-assertion-type:saml2-bearer", uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "", pkj, c.tokenAud), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "nope", pkj, c.tokenAud), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud, "jti", nil), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud, "exp", "tomorrow"), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud, "exp", 1e300), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud, "exp", -9.2e18), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud, "iat", 9.2e18, "nbf", 1.5), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud, "aud", 42), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud, "aud", []any{c.tokenAud, 1, nil}), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud, "sub", map[string]any{"x": 1}), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", pkj, c.tokenAud, "jti", strings.Repeat("j", 5000)), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.ec, "ES256", "rsa", pkj, c.tokenAud), jwtBearerType, uint8(0))
	f.Add(c.sign(f, c.rsa, "RS256", "rsa", csj, c.tokenAud), jwtBearerType, uint8(0))
	f.Add(forge(`{"alg":"none"}`, `{"iss":"`+pkj+`","sub":"`+pkj+`"}`), jwtBearerType, uint8(0))
	f.Add(forge(`{"alg":"HS256","kid":"rsa"}`, `{"iss":"`+pkj+`","sub":"`+pkj+`"}`)+b64(pubDER[:32]), jwtBearerType, uint8(0))
	f.Add(forge(`{"alg":"RS256","crit":["exp"],"exp":1}`, `{}`), jwtBearerType, uint8(0))
	f.Add(forge(`{"alg":"RS256","jwk":{"kty":"oct","k":"AA"}}`, `{"iss":"`+pkj+`","sub":"`+pkj+`"}`), jwtBearerType, uint8(0))
	f.Add(forge(`[]`, `null`), jwtBearerType, uint8(0))
	f.Add(forge(`{"alg":"`+strings.Repeat("\u2603", 40)+`"}`, `{}`), jwtBearerType, uint8(0))
	f.Add("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", jwtBearerType, uint8(0))
	f.Add(`{"payload":"e30","signatures":[]}`, jwtBearerType, uint8(0))
	f.Add("a.b.c", jwtBearerType, uint8(0))
	f.Add("..", jwtBearerType, uint8(caIntrospect))
	f.Add("", jwtBearerType, uint8(0))
	f.Add("\x00.\xff.\n", "\x00", uint8(0))

	f.Fuzz(func(t *testing.T, assertion, assertionType string, flags uint8) {
		form := url.Values{"client_assertion": {assertion}}
		if flags&caNoType == 0 {
			form.Set("client_assertion_type", assertionType)
		}
		if flags&caClientID != 0 {
			form.Set("client_id", pkj)
		}
		if flags&caSecret != 0 {
			form.Set("client_secret", "x")
		}
		target := tokenPath
		if flags&caIntrospect != 0 {
			target = introspectPath
			form.Set("token", "not-a-token")
		} else {
			form.Set("grant_type", "password") // unsupported: an answer right after client authentication
		}
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if flags&caBasic != 0 {
			req.Header.Set("Authorization", basic(pkj, "x"))
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		res := rec.Result()
		raw := rec.Body.Bytes()
		if res.StatusCode >= 500 {
			t.Fatalf("status %d for assertion %q type %q flags %b: %s", res.StatusCode, assertion, assertionType, flags, raw)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type %q (status %d): %.300s", ct, res.StatusCode, raw)
		}
		var ans struct {
			Error *string `json:"error"`
		}
		if err := json.Unmarshal(raw, &ans); err != nil {
			t.Fatalf("body is not JSON (status %d): %.300s", res.StatusCode, raw)
		}
		authenticated := res.StatusCode == http.StatusOK ||
			(ans.Error != nil && *ans.Error == "unsupported_grant_type")
		if !authenticated {
			if ans.Error == nil || (*ans.Error != "invalid_client" && *ans.Error != "invalid_request") {
				t.Fatalf("status %d: want invalid_client or invalid_request, got %s", res.StatusCode, raw)
			}
			if *ans.Error == "invalid_client" && res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("invalid_client with status %d", res.StatusCode)
			}
			return
		}
		if flags&(caBasic|caSecret|caNoType) != 0 || assertionType != jwtBearerType {
			t.Fatalf("authenticated a request the checks must refuse (flags %b, type %q)", flags, assertionType)
		}
		if !c.authentic(assertion) {
			t.Fatalf("authenticated an assertion no client key signed: %q", assertion)
		}
	})
}
