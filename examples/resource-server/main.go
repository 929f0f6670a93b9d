// Command resource-server is a tiny API protected by Gatehouse access
// tokens, to show package verifier at work. It serves:
//
//	GET /api/whoami     any valid access token; answers with its claims
//	GET /api/messages   also needs the scope given by -scope
//
// Settings come from flags, or the environment when a flag is not given:
//
//	-addr      RS_ADDR      listen address (default 127.0.0.1:8081)
//	-issuer    RS_ISSUER    issuer (default http://127.0.0.1:8080/oauth2/default)
//	-audience  RS_AUDIENCE  audience (default api://default)
//	-scope     RS_SCOPE     scope /api/messages needs (default email)
//
// The default scope is email because Gatehouse's default authorization
// server grants only the standard OpenID Connect scopes today; an API of
// your own would ask for a scope of its own, such as messages:read.
//
// # Running it against gatehouse serve --demo
//
// In one shell, from the repository root:
//
//	go run ./cmd/gatehouse serve --demo
//
// Get an access token as the README's "Try the Authorization Code flow with
// curl" section shows (paste the export GH_… line it prints, run the four
// steps; ACCESS_TOKEN then holds the token). In another shell:
//
//	go run ./examples/resource-server
//	curl -i http://127.0.0.1:8081/api/whoami                                      # 401, no token
//	curl -i -H "Authorization: Bearer $ACCESS_TOKEN" http://127.0.0.1:8081/api/whoami
//	curl -i -H "Authorization: Bearer $ACCESS_TOKEN" http://127.0.0.1:8081/api/messages
//
// With -scope messages:read the last call answers 403 with
// WWW-Authenticate: Bearer realm="api://default", error="insufficient_scope", …
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gatehouse-auth/gatehouse/verifier"
)

type config struct {
	addr, issuer, audience, scope string
}

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "resource-server:", err)
		os.Exit(1)
	}
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("resource-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("RS_ADDR", "127.0.0.1:8081"), "listen address (RS_ADDR)")
	fs.StringVar(&c.issuer, "issuer", env("RS_ISSUER", "http://127.0.0.1:8080/oauth2/default"), "token issuer (RS_ISSUER)")
	fs.StringVar(&c.audience, "audience", env("RS_AUDIENCE", "api://default"), "token audience (RS_AUDIENCE)")
	fs.StringVar(&c.scope, "scope", env("RS_SCOPE", "email"), "scope GET /api/messages needs (RS_SCOPE)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return c, nil
}

func run(args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	v, err := verifier.New(cfg.issuer, cfg.audience)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := &http.Server{
		Addr: cfg.addr, Handler: newHandler(v, cfg.scope, log),
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", cfg.addr, "issuer", cfg.issuer, "audience", cfg.audience)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newHandler routes the API. Every route goes through the verifier's
// middleware; /api/messages also needs scope.
func newHandler(v *verifier.Verifier, scope string, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /api/whoami", v.Middleware(http.HandlerFunc(whoami)))
	mux.Handle("GET /api/messages", v.RequireScopes(scope)(http.HandlerFunc(messages)))
	return logFailures(mux, log)
}

func whoami(w http.ResponseWriter, r *http.Request) {
	c, _ := verifier.FromContext(r.Context())
	writeJSON(w, map[string]any{
		"sub": c.Subject, "uid": c.UserID, "cid": c.ClientID, "scp": c.Scopes,
		"expires_at": c.ExpiresAt.Format(time.RFC3339),
	})
}

type message struct {
	ID   int    `json:"id"`
	Text string `json:"text"`
}

func messages(w http.ResponseWriter, r *http.Request) {
	c, _ := verifier.FromContext(r.Context())
	writeJSON(w, map[string]any{"messages": []message{
		{1, "Hello, " + c.Subject + "."},
		{2, "This message came from a resource server that trusts Gatehouse's access tokens."},
	}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

// logFailures logs refused requests with the status; the reason is in the
// response's WWW-Authenticate header.
func logFailures(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if rec.status >= 400 {
			log.Info("refused", "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"challenge", rec.Header().Get("WWW-Authenticate"))
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
