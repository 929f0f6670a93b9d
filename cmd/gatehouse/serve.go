package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/config"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/server"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/postgres"
)

// ensureTwoProcs gives the Go scheduler a second P on a one-CPU machine (a
// one-core container, a server pinned to one core) and reports whether it
// did. With a single P busy running handlers, connections the network
// poller wakes wait in the global run queue, which a busy P looks at only
// now and then: under load, requests sat unread for seconds, where load
// shedding, which counts only requests being handled, could not see them.
// With two Ps the operating system shares the core between them and
// requests are read, handled or shed promptly. An explicit GOMAXPROCS is
// left alone.
func ensureTwoProcs(getenv func(string) string) bool {
	if getenv("GOMAXPROCS") != "" || runtime.GOMAXPROCS(0) >= 2 {
		return false
	}
	runtime.GOMAXPROCS(2)
	return true
}

// gcPercent is the collector's pace when GOGC is not set: with the soft
// memory limit bounding the heap, the collector may let a small heap grow
// to three times its live size between cycles, spending less CPU on the
// token path, and still stays under the limit when password hashing
// (19 MiB each) fills it.
const gcPercent = 200

// tuneMemory sets the runtime's soft memory limit to limitMB MiB and the
// collector's pace to gcPercent, each unless its Go environment variable
// (GOMEMLIMIT, GOGC) is set or limitMB is 0, and says what it set.
func tuneMemory(getenv func(string) string, limitMB int) []any {
	var set []any
	if limitMB > 0 && getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(limitMB) << 20)
		set = append(set, "memory_limit_mb", limitMB)
		if getenv("GOGC") == "" {
			debug.SetGCPercent(gcPercent)
			set = append(set, "gogc", gcPercent)
		}
	}
	return set
}

func serve(env cmdEnv, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	load := config.Flags(fs, env.getenv)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg, err := load()
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	logOut := newBufferedLog(env.stderr)
	defer logOut.Close()
	logger := newLogger(cfg, logOut)
	slog.SetDefault(logger)

	sealer, err := openSealer(cfg, env)
	if err != nil {
		return err
	}
	st, err := openDatabase(env.ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := domain.EnsureAuthServers(env.ctx, st, time.Now()); err != nil {
		return fmt.Errorf("seed authorization servers: %w", err)
	}
	if cfg.Demo {
		if err := seedDemo(env, st, cfg.Issuer()); err != nil {
			return err
		}
	}
	if admins, err := st.ListRoleHolders(env.ctx); err == nil && len(admins) == 0 {
		logger.Info("no administrator yet; make one to use the Admin Console",
			"console", cfg.Issuer()+"/admin", "command", "gatehouse users create --login you@example.com --admin --password-stdin")
	}
	km := keys.NewManager(st, sealer, time.Now)
	// The System Log writer outlives the HTTP server: deferred here, it is
	// closed after Shutdown has let the last requests finish, and before
	// the database closes.
	events := eventlog.Start(st, time.Now, eventlog.Options{})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := events.Close(ctx); err != nil {
			logger.Warn("system log events still unwritten at exit", "error", err)
		}
	}()
	maxInflight := cfg.MaxInflight
	if maxInflight == 0 {
		maxInflight = server.DefaultMaxInflight() // 64 per CPU, counted before the scheduler gets a second P
	}
	if ensureTwoProcs(env.getenv) {
		logger.Info("one CPU: the Go scheduler runs two Ps on it, so that requests are read while handlers run")
	}
	if set := tuneMemory(env.getenv, cfg.MemoryLimitMB); len(set) > 0 {
		logger.Info("Go runtime memory settings", set...)
	}
	handler, err := server.New(server.Options{
		Store: st, Sealer: sealer, Keys: km, BaseURL: cfg.Issuer(), SessionLifetime: cfg.SessionLifetime,
		RefreshGrace: cfg.RefreshTokenGrace, Logger: logger, MaxInflight: maxInflight, Events: events,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
	}
	ctx, cancel := context.WithCancel(env.ctx)
	defer cancel()
	go server.RunMaintenance(ctx, st, km, cfg.KeyRotationInterval, time.Now)
	if cfg.DebugAddr != "" {
		debugSrv, err := server.StartDebug(cfg.DebugAddr)
		if err != nil {
			return err
		}
		defer debugSrv.Close()
		logger.Info("profiler listening (loopback only)", "debug_addr", debugSrv.Addr, "example", "go tool pprof http://"+debugSrv.Addr+"/debug/pprof/profile?seconds=10")
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	database := cfg.Database
	if cfg.IsPostgres() {
		database = postgres.Redact(database)
	}
	logger.Info("gatehouse is serving", "addr", ln.Addr().String(), "issuer", cfg.Issuer(),
		"default_issuer", cfg.Issuer()+"/oauth2/"+domain.DefaultServerID, "database", database)
	select {
	case err := <-errc:
		return err
	case <-env.ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newLogger(cfg config.Config, out io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel)) // validated already
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// openSealer returns the sealer for signing keys. Without a configured
// master key (allowed on SQLite only), one is generated into a file beside
// the database (mode 0600) with a warning: fine to try Gatehouse, not for
// production.
func openSealer(cfg config.Config, env cmdEnv) (*keys.Sealer, error) {
	masterKey := cfg.MasterKey
	if masterKey == "" {
		path := cfg.MasterKeyFile()
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			masterKey = strings.TrimSpace(string(b))
		case errors.Is(err, os.ErrNotExist):
			masterKey = domain.RandomToken(32)
			if err := os.WriteFile(path, []byte(masterKey+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("write generated master key: %w", err)
			}
			fmt.Fprintf(env.stderr, "WARNING: no master key configured; generated one in %s.\n"+
				"WARNING: signing keys are encrypted with it. Set GATEHOUSE_MASTER_KEY (32 random bytes, base64) in production\n"+
				"WARNING: and keep it apart from the database.\n", path)
		default:
			return nil, fmt.Errorf("read master key file: %w", err)
		}
	}
	return keys.NewSealer(masterKey)
}

// Demo resources, created once per database.
const (
	demoAppName     = "Gatehouse Demo App"
	demoRedirectURI = "http://localhost:3000/authorization-code/callback"
	demoLogin       = "demo@example.com"
)

func seedDemo(env cmdEnv, st store.Store, issuer string) error {
	now := time.Now()
	apps, err := st.ListApps(env.ctx)
	if err != nil {
		return err
	}
	for _, a := range apps {
		if a.Name == demoAppName {
			fmt.Fprintf(env.stdout, "Demo app already present: client id %s (its secret and the demo password were printed at first start;\n"+
				"remove %s to start over, or create another app with 'gatehouse apps create').\n", a.ClientID, "the database file")
			return nil
		}
	}
	app, err := domain.CreateApp(env.ctx, st, domain.NewAppParams{
		Name: demoAppName, Type: domain.AppTypeWeb, RedirectURIs: []string{demoRedirectURI},
		PostLogoutRedirectURIs: []string{"http://localhost:3000/"},
	}, now)
	if err != nil {
		return fmt.Errorf("create demo app: %w", err)
	}
	password := "Demo-" + domain.RandomToken(9)
	user, err := domain.CreateUser(env.ctx, st, domain.NewUserParams{
		Login: demoLogin, FirstName: "Dana", LastName: "Demo", Password: password,
	}, now)
	switch {
	case err == nil:
		// The demo user also runs the Admin Console.
		if _, err := (&domain.Service{Store: st}).AssignRole(env.ctx, user.ID, domain.RoleSuperAdmin); err != nil {
			return fmt.Errorf("make the demo user an administrator: %w", err)
		}
	case !errors.Is(err, store.ErrConflict):
		return fmt.Errorf("create demo user: %w", err)
	}
	token, err := (&domain.Service{Store: st}).CreateAPIToken(env.ctx, "demo", "")
	if err != nil {
		return fmt.Errorf("create demo API token: %w", err)
	}
	q := url.Values{
		"client_id": {app.App.ClientID}, "response_type": {"code"}, "scope": {"openid profile email"},
		"redirect_uri": {demoRedirectURI}, "state": {"demo-state"}, "nonce": {"demo-nonce"},
	}
	fmt.Fprintf(env.stdout, `
Demo app and user created (shown once; only hashes are stored):
  issuer          %s/oauth2/default
  client id       %s
  client secret   %s
  redirect URI    %s
  username        %s
  password        %s
  API token       %s   (Management API: Authorization: SSWS …)
  Admin Console   %s/admin   (sign in as the demo user, a super administrator)

Open this in a browser, sign in, and take the code from the address bar:
  %s/oauth2/default/v1/authorize?%s

For the README's curl walkthrough, paste these into your shell:
  export GH_CLIENT_ID=%s GH_CLIENT_SECRET=%s GH_PASSWORD=%s GH_API_TOKEN=%s

`, issuer, app.App.ClientID, app.ClientSecret, demoRedirectURI, demoLogin, password, token.Value, issuer, issuer, q.Encode(),
		app.App.ClientID, app.ClientSecret, password, token.Value)
	return nil
}
