package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/config"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// databaseFlag registers --database with the same default and variable as serve.
func databaseFlag(fs *flag.FlagSet, env cmdEnv) *string {
	def := config.Default().Database
	if v := env.getenv("GATEHOUSE_DATABASE"); v != "" {
		def = v
	}
	return fs.String("database", def, "SQLite database file (env GATEHOUSE_DATABASE)")
}

func openForAdmin(env cmdEnv, database string) (*sqlite.Store, error) {
	st, err := sqlite.Open(env.ctx, database)
	if err != nil {
		return nil, err
	}
	if err := domain.EnsureAuthServers(env.ctx, st, time.Now()); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

type appJSON struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	Name                    string   `json:"name"`
	ApplicationType         string   `json:"application_type"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	RedirectURIs            []string `json:"redirect_uris"`
	PostLogoutRedirectURIs  []string `json:"post_logout_redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	Status                  string   `json:"status"`
}

func appsCreate(env cmdEnv, args []string) error {
	fs := flag.NewFlagSet("apps create", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	db := databaseFlag(fs, env)
	name := fs.String("name", "", "app name (required)")
	typ := fs.String("type", domain.AppTypeWeb, "web, native or browser")
	auth := fs.String("auth-method", "", "client_secret_basic (default for web) or client_secret_post; public apps use none")
	var redirects, postLogout listFlag
	fs.Var(&redirects, "redirect-uri", "sign-in redirect URI (repeatable, at least one)")
	fs.Var(&postLogout, "post-logout-redirect-uri", "sign-out redirect URI (repeatable)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	st, err := openForAdmin(env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	created, err := domain.CreateApp(env.ctx, st, domain.NewAppParams{
		Name: *name, Type: *typ, RedirectURIs: redirects, PostLogoutRedirectURIs: postLogout, AuthMethod: *auth,
	}, time.Now())
	if err != nil {
		return explain(err)
	}
	a := created.App
	out := appJSON{a.ClientID, created.ClientSecret, a.Name, a.Type, a.TokenEndpointAuthMethod, a.RedirectURIs,
		a.PostLogoutRedirectURIs, a.GrantTypes, a.Status}
	if *asJSON {
		return writeJSON(env.stdout, out)
	}
	fmt.Fprintf(env.stdout, "client id       %s\n", a.ClientID)
	if created.ClientSecret != "" {
		fmt.Fprintf(env.stdout, "client secret   %s\n(shown once: only its hash is stored)\n", created.ClientSecret)
	} else {
		fmt.Fprintf(env.stdout, "public client: no secret; use PKCE\n")
	}
	return nil
}

func appsList(env cmdEnv, args []string) error {
	fs := flag.NewFlagSet("apps list", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	db := databaseFlag(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	st, err := openForAdmin(env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	apps, err := st.ListApps(env.ctx)
	if err != nil {
		return err
	}
	out := make([]appJSON, 0, len(apps))
	for _, a := range apps {
		out = append(out, appJSON{a.ClientID, "", a.Name, a.Type, a.TokenEndpointAuthMethod, a.RedirectURIs,
			a.PostLogoutRedirectURIs, a.GrantTypes, a.Status})
	}
	if *asJSON {
		return writeJSON(env.stdout, out)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT ID\tNAME\tTYPE\tSTATUS\tREDIRECT URIS")
	for _, a := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.ClientID, a.Name, a.ApplicationType, a.Status, strings.Join(a.RedirectURIs, " "))
	}
	return tw.Flush()
}

func usersCreate(env cmdEnv, args []string) error {
	fs := flag.NewFlagSet("users create", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	db := databaseFlag(fs, env)
	login := fs.String("login", "", "login, usually an email address (required)")
	email := fs.String("email", "", "email (defaults to the login when it is an email address)")
	first := fs.String("first-name", "", "first name")
	last := fs.String("last-name", "", "last name")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input (first line)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	var password string
	if *pwStdin {
		b, err := io.ReadAll(io.LimitReader(env.stdin, 4096))
		if err != nil {
			return err
		}
		password, _, _ = strings.Cut(string(b), "\n")
		password = strings.TrimRight(password, "\r")
		if password == "" {
			return errors.New("--password-stdin: standard input held no password")
		}
	}
	st, err := openForAdmin(env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := domain.CreateUser(env.ctx, st, domain.NewUserParams{
		Login: *login, Email: *email, FirstName: *first, LastName: *last, Password: password,
	}, time.Now())
	if err != nil {
		return explain(err)
	}
	if *asJSON {
		return writeJSON(env.stdout, map[string]string{"id": u.ID, "login": u.Login, "email": u.Email, "status": u.Status})
	}
	fmt.Fprintf(env.stdout, "user id  %s\nlogin    %s\n", u.ID, u.Login)
	return nil
}

func migrateUp(env cmdEnv, args []string) error {
	fs := flag.NewFlagSet("migrate up", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	db := databaseFlag(fs, env)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	st, err := sqlite.Open(env.ctx, *db) // Open applies pending migrations
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintln(env.stdout, "database is up to date")
	return nil
}

func migrateStatus(env cmdEnv, args []string) error {
	fs := flag.NewFlagSet("migrate status", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	db := databaseFlag(fs, env)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	st, err := sqlite.Open(env.ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	status, err := st.MigrationStatus(env.ctx)
	if err != nil {
		return err
	}
	for _, s := range status {
		fmt.Fprintf(env.stdout, "%05d  %-8s  %s\n", s.Source.Version, s.State, s.Source.Path)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// explain turns a validation error into one line per problem.
func explain(err error) error {
	var v *domain.ValidationError
	if errors.As(err, &v) {
		lines := make([]string, len(v.Problems))
		for i, p := range v.Problems {
			lines[i] = "  " + p.Field + ": " + p.Message
		}
		return fmt.Errorf("invalid input:\n%s", strings.Join(lines, "\n"))
	}
	return err
}
