package verifier_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/verifier"
	"github.com/gatehouse-auth/gatehouse/verifier/verifiertest"
)

// A resource server makes one Verifier per issuer at start-up. Against a
// real Gatehouse the issuer is https://{your host}/oauth2/default and the
// audience api://default; here a fake issuer stands in.
func ExampleNew() {
	iss := verifiertest.New() // in a test: verifiertest.NewIssuer(t)
	defer iss.Close()

	v, err := verifier.New(iss.Issuer(), "api://default",
		verifier.WithClientIDs(verifiertest.ClientID), // only tokens issued to this app
		verifier.WithRequiredScopes("messages:read"),  // every token needs this scope
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Audience())
	// Output: api://default
}

func ExampleVerifier_Verify() {
	iss := verifiertest.New()
	defer iss.Close()
	v, err := verifier.New(iss.Issuer(), iss.Audience())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	token := iss.Mint(map[string]any{
		"sub":    "ann@example.com",
		"scp":    []string{"openid", "messages:read"},
		"groups": []string{"Everyone", "Editors"},
	})
	claims, err := v.Verify(ctx, token)
	if err != nil {
		log.Fatal(err)
	}
	var groups []string
	if err := claims.Decode("groups", &groups); err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims.Subject, claims.HasScope("messages:read"), groups)

	// Failures wrap one of the Err… values.
	_, err = v.Verify(ctx, iss.Mint(nil, verifiertest.WithExpiresIn(-time.Hour)))
	fmt.Println(errors.Is(err, verifier.ErrExpired))
	_, err = v.Verify(ctx, iss.Mint(map[string]any{"aud": "api://payroll"}))
	fmt.Println(errors.Is(err, verifier.ErrInvalidAudience))
	_, err = v.Verify(ctx, iss.Mint(nil, verifiertest.WithAlg("none")))
	fmt.Println(errors.Is(err, verifier.ErrInvalidSignature))
	// Output:
	// ann@example.com true [Everyone Editors]
	// true
	// true
	// true
}

func ExampleVerifier_Middleware() {
	iss := verifiertest.New()
	defer iss.Close()
	v, err := verifier.New(iss.Issuer(), iss.Audience())
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("GET /api/whoami", v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := verifier.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s", claims.Subject)
	})))
	// RequireScopes adds scopes a route needs.
	mux.Handle("GET /api/messages", v.RequireScopes("messages:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "[]")
	})))

	call := func(path, token string) {
		req := httptest.NewRequest("GET", path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), strings.TrimSpace(rec.Body.String()))
	}
	token := iss.Mint(map[string]any{"scp": []string{"openid"}})
	call("/api/whoami", token)
	call("/api/whoami", "")
	call("/api/whoami", iss.Mint(nil, verifiertest.WithExpiresIn(-time.Hour)))
	call("/api/messages", token)
	// Output:
	// 200  hello user@example.com
	// 401 Bearer realm="api://default" {"error_description":"This resource needs a Bearer access token."}
	// 401 Bearer realm="api://default", error="invalid_token", error_description="The access token expired." {"error":"invalid_token","error_description":"The access token expired."}
	// 403 Bearer realm="api://default", error="insufficient_scope", error_description="The access token lacks a scope this resource needs.", scope="messages:read" {"error":"insufficient_scope","error_description":"The access token lacks a scope this resource needs."}
}
