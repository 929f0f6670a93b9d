package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/loadtest"
)

// loadtestCmd runs `gatehouse loadtest`: load against any OpenID Connect
// issuer, one scenario at one or several concurrency levels.
func loadtestCmd(env cmdEnv, args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	envOr := func(k, def string) string {
		if v := env.getenv("GATEHOUSE_LOADTEST_" + k); v != "" {
			return v
		}
		return def
	}
	var (
		o                         loadtest.Options
		scenario, levels          string
		passwordEnv, secretEnv    string
		svgFile                   string
		duration, timeout         time.Duration
		requests                  int64
		asJSON, progress          bool
		retryAfter                bool
		refreshTokens             listFlag
		scenarioHelp              strings.Builder
		explicitDur, explicitProg bool
	)
	for _, s := range loadtest.Scenarios() {
		fmt.Fprintf(&scenarioHelp, "\n  %-18s %s", s.Name, s.Measures)
	}
	fs.StringVar(&o.Issuer, "issuer", envOr("ISSUER", "http://127.0.0.1:8080/oauth2/default"), "issuer `URL`; its /.well-known/openid-configuration gives the endpoints (env GATEHOUSE_LOADTEST_ISSUER)")
	fs.StringVar(&scenario, "scenario", "", "what to load (required):"+scenarioHelp.String())
	fs.StringVar(&levels, "concurrency", "8", "workers: one `level` or a comma list for a sweep, e.g. 1,8,32,128")
	fs.DurationVar(&duration, "duration", 10*time.Second, "how long each level runs (0: until --requests are done)")
	fs.Int64Var(&requests, "requests", 0, "operations per level at most (0: no limit; alone, it replaces the duration)")
	fs.DurationVar(&timeout, "timeout", 10*time.Second, "bound on one operation (all its HTTP requests)")
	fs.StringVar(&o.ClientID, "client-id", envOr("CLIENT_ID", ""), "client `id` (env GATEHOUSE_LOADTEST_CLIENT_ID)")
	fs.StringVar(&o.ClientSecret, "client-secret", envOr("CLIENT_SECRET", ""), "client `secret` (env GATEHOUSE_LOADTEST_CLIENT_SECRET)")
	fs.StringVar(&secretEnv, "client-secret-env", "", "read the client secret from this environment `variable`")
	fs.StringVar(&o.AuthMethod, "auth-method", "", "client_secret_basic (default with a secret), client_secret_post or none")
	fs.StringVar(&o.RedirectURI, "redirect-uri", envOr("REDIRECT_URI", ""), "redirect `URI` registered for the client; never fetched (env GATEHOUSE_LOADTEST_REDIRECT_URI)")
	fs.StringVar(&o.Username, "username", envOr("USERNAME", ""), "user to sign in as (env GATEHOUSE_LOADTEST_USERNAME)")
	fs.StringVar(&o.Password, "password", envOr("PASSWORD", ""), "the user's `password` (env GATEHOUSE_LOADTEST_PASSWORD)")
	fs.StringVar(&passwordEnv, "password-env", "", "read the password from this environment `variable`")
	fs.StringVar(&o.Scope, "scope", envOr("SCOPE", ""), "scope to request (default: the server's default scopes for client_credentials, \"openid profile email\" for sign-ins, plus offline_access for refresh)")
	fs.Var(&refreshTokens, "refresh-token", "refresh `token` for the refresh scenario (repeatable: one per worker; without enough, more are obtained by signing in)")
	fs.BoolVar(&asJSON, "json", false, "print one JSON line per level on stdout (the table then goes to stderr)")
	fs.StringVar(&svgFile, "svg", "", "write a chart of throughput and p99 against concurrency to this `file`")
	fs.BoolVar(&retryAfter, "retry-after", true, "after a 503 or 429 with Retry-After, the worker waits that long (at most 60s, never past the level's end) before its next operation; the answer still counts as an error, the wait is in no latency and is counted as a backoff. false: send the next operation at once")
	fs.BoolVar(&progress, "progress", false, "print a progress line every second on stderr (default: when stderr is a terminal)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: gatehouse loadtest --scenario S [flags]\n\n"+
			"Loads any OpenID Connect issuer. The sign-in scenarios (authcode, authcode-session, and refresh or\n"+
			"introspect when given --username) fill in Gatehouse's hosted sign-in form; against other servers use\n"+
			"client_credentials, refresh with --refresh-token, introspect without --username, jwks and discovery.\n\n"+
			"Each worker sends its requests one at a time over its own keep-alive HTTP/1.1 connection, straight to\n"+
			"the issuer's host: HTTP_PROXY, HTTPS_PROXY and NO_PROXY are not used (a proxy would be measured too).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	fs.Visit(func(f *flag.Flag) {
		explicitDur = explicitDur || f.Name == "duration"
		explicitProg = explicitProg || f.Name == "progress"
	})
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(env.stderr, "gatehouse loadtest: "+format+"\n", a...)
		return errUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if scenario == "" {
		return usageErr("--scenario is required (run 'gatehouse loadtest -h' for the list)")
	}
	conc, err := parseLevels(levels)
	if err != nil {
		return usageErr("--concurrency: %v", err)
	}
	if requests > 0 && !explicitDur {
		duration = 0
	}
	if duration <= 0 && requests <= 0 {
		return usageErr("give --duration or --requests")
	}
	if requests < 0 || timeout <= 0 {
		return usageErr("--requests must not be negative and --timeout must be positive")
	}
	if passwordEnv != "" {
		if o.Password = env.getenv(passwordEnv); o.Password == "" {
			return usageErr("--password-env: %s is empty", passwordEnv)
		}
	}
	if secretEnv != "" {
		if o.ClientSecret = env.getenv(secretEnv); o.ClientSecret == "" {
			return usageErr("--client-secret-env: %s is empty", secretEnv)
		}
	}
	switch o.AuthMethod {
	case "", loadtest.AuthBasic, loadtest.AuthPost, loadtest.AuthNone:
	default:
		return usageErr("--auth-method must be client_secret_basic, client_secret_post or none")
	}
	for _, t := range refreshTokens {
		o.RefreshTokens = append(o.RefreshTokens, strings.Split(t, ",")...)
	}
	o.Issuer = strings.TrimSuffix(o.Issuer, "/")

	// Discovery and the scenario's first, checking operation.
	prepTransport := new(loadtest.ConnTransport)
	defer prepTransport.CloseIdleConnections()
	prep := loadtest.NewClient(prepTransport)
	prepCtx, cancel := context.WithTimeout(env.ctx, timeout+30*time.Second)
	defer cancel()
	ep, err := loadtest.Discover(prepCtx, prep, o.Issuer)
	if err != nil {
		return fmt.Errorf("loadtest: discovery: %w", err)
	}
	sc, err := loadtest.New(prepCtx, scenario, ep, o, prep)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	cancel()

	table := env.stdout
	if asJSON {
		table = env.stderr
	}
	tty := isTerminal(env.stderr)
	var prog loadtest.Progress
	if (explicitProg && progress) || (!explicitProg && tty) {
		prog = loadtest.TerminalProgress(env.stderr, tty)
	}
	bound := []string{}
	if duration > 0 {
		bound = append(bound, duration.String())
	}
	if requests > 0 {
		bound = append(bound, strconv.FormatInt(requests, 10)+" operations")
	}
	fmt.Fprintf(env.stderr, "loadtest: %s against %s, concurrency %s, %s per level\n",
		scenario, ep.Issuer, levels, strings.Join(bound, " or "))

	first := true
	var failed []string
	results, runErr := loadtest.Sweep(env.ctx, scenario, sc, conc,
		loadtest.Level{Duration: duration, Requests: requests, Timeout: timeout, IgnoreRetryAfter: !retryAfter}, prog,
		func(r loadtest.Result) {
			if prog != nil && tty {
				loadtest.ClearProgress(env.stderr)
			}
			if first {
				loadtest.WriteTableHeader(table)
				first = false
			}
			loadtest.WriteTableRow(table, r)
			if asJSON {
				loadtest.WriteJSONLine(env.stdout, ep.Issuer, r)
			}
			if r.OK == 0 && r.Requests > 0 {
				failed = append(failed, strconv.Itoa(r.Concurrency))
			}
		})
	if svgFile != "" && len(results) > 0 {
		if err := writeSVGFile(svgFile, scenario+" — "+ep.Issuer, results); err != nil {
			return err
		}
	}
	switch {
	case errors.Is(runErr, context.Canceled) && env.ctx.Err() != nil:
		return errors.New("loadtest: interrupted")
	case runErr != nil:
		return fmt.Errorf("loadtest: %w", runErr)
	case len(failed) > 0:
		return fmt.Errorf("loadtest: no operation succeeded at concurrency %s", strings.Join(failed, ", "))
	}
	return nil
}

// parseLevels reads "8" or "1,8,32,128".
func parseLevels(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 10000 {
			return nil, fmt.Errorf("%q is not a number of workers between 1 and 10000", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func writeSVGFile(path, title string, results []loadtest.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--svg: %w", err)
	}
	if err := loadtest.WriteSVG(f, title, results); err != nil {
		f.Close()
		return fmt.Errorf("--svg: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--svg: %w", err)
	}
	return nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
