package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/config"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// adminCommand parses an admin subcommand's flags (define registers its
// own; --database is common to all), opens the database, applying pending
// migrations, and runs body on it.
func adminCommand(env cmdEnv, name string, args []string, define func(*flag.FlagSet), body func(*sqlstore.Store) error) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	database := config.Default().Database
	if v := env.getenv("GATEHOUSE_DATABASE"); v != "" {
		database = v
	}
	fs.StringVar(&database, "database", database, "SQLite database file or postgres:// `DSN` (env GATEHOUSE_DATABASE)")
	define(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg := config.Default()
	cfg.Database, cfg.DatabaseMaxConns, cfg.DatabaseMaxIdleConns = database, 2, 1
	st, err := openDatabase(env.ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := domain.EnsureAuthServers(env.ctx, st, time.Now()); err != nil {
		return err
	}
	return body(st)
}

// appView is an app as the CLI prints it; the secret only right after creation.
func appView(a store.App, secret string) appJSON {
	return appJSON{a.ClientID, secret, a.Name, a.Type, a.TokenEndpointAuthMethod, a.JWKSURI, a.RedirectURIs,
		a.PostLogoutRedirectURIs, a.GrantTypes, a.Status}
}

type appJSON struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	Name                    string   `json:"name"`
	ApplicationType         string   `json:"application_type"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	JWKSURI                 string   `json:"jwks_uri,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	PostLogoutRedirectURIs  []string `json:"post_logout_redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	Status                  string   `json:"status"`
}

func appsCreate(env cmdEnv, args []string) error {
	var p domain.NewAppParams
	var asJSON, assignEveryone bool
	var jwksFile, masterKey string
	var flags *flag.FlagSet
	return adminCommand(env, "apps create", args, func(fs *flag.FlagSet) {
		flags = fs
		fs.StringVar(&p.Name, "name", "", "app name (required)")
		fs.StringVar(&p.Type, "type", domain.AppTypeWeb, "web, native, browser or service")
		fs.Var((*listFlag)(&p.GrantTypes), "grant-type", "authorization_code, refresh_token or client_credentials (repeatable; default by type)")
		fs.StringVar(&p.AuthMethod, "auth-method", "", "client_secret_basic (default for web), client_secret_post, client_secret_jwt or private_key_jwt; public apps use none")
		fs.StringVar(&jwksFile, "jwks-file", "", "private_key_jwt: `file` holding the app's public keys as a JWKS")
		fs.StringVar(&p.JWKSURI, "jwks-uri", "", "private_key_jwt: https `URL` where the app publishes its JWKS")
		fs.StringVar(&masterKey, "master-key", env.getenv("GATEHOUSE_MASTER_KEY"), "client_secret_jwt: master `key` that seals the secret (env GATEHOUSE_MASTER_KEY; SQLite falls back to the key file)")
		fs.Var((*listFlag)(&p.RedirectURIs), "redirect-uri", "sign-in redirect URI (repeatable, at least one)")
		fs.Var((*listFlag)(&p.PostLogoutRedirectURIs), "post-logout-redirect-uri", "sign-out redirect URI (repeatable)")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
		fs.BoolVar(&assignEveryone, "assign-everyone", true, "assign the Everyone group, so that every user may sign in to the app; "+
			"false leaves it unassigned (assign users or groups with the Management API)")
	}, func(st *sqlstore.Store) error {
		p.Unassigned = !assignEveryone
		if jwksFile != "" {
			b, err := os.ReadFile(jwksFile)
			if err != nil {
				return fmt.Errorf("--jwks-file: %w", err)
			}
			p.JWKS = string(b)
		}
		if p.AuthMethod == domain.AuthMethodSecretJWT {
			// The secret is kept sealed with the master key the server uses.
			cfg := config.Default()
			cfg.Database, cfg.MasterKey = flags.Lookup("database").Value.String(), masterKey
			if cfg.IsPostgres() && masterKey == "" {
				return fmt.Errorf("client_secret_jwt: --master-key or GATEHOUSE_MASTER_KEY is required with PostgreSQL")
			}
			sealer, err := openSealer(cfg, env)
			if err != nil {
				return err
			}
			p.Sealer = sealer
		}
		created, err := domain.CreateApp(env.ctx, st, p, time.Now())
		if err != nil {
			return explain(err)
		}
		if asJSON {
			return writeJSON(env.stdout, appView(created.App, created.ClientSecret))
		}
		fmt.Fprintf(env.stdout, "client id       %s\n", created.App.ClientID)
		switch method := created.App.TokenEndpointAuthMethod; {
		case method == domain.AuthMethodSecretJWT:
			fmt.Fprintf(env.stdout, "client secret   %s\n(shown once: stored hashed, and sealed with the master key to verify HS256/384/512 assertions)\n", created.ClientSecret)
		case created.ClientSecret != "":
			fmt.Fprintf(env.stdout, "client secret   %s\n(shown once: only its hash is stored)\n", created.ClientSecret)
		case method == domain.AuthMethodPrivateKeyJWT:
			fmt.Fprintf(env.stdout, "no secret: the app signs client assertions with its private key (private_key_jwt)\n")
		default:
			fmt.Fprintf(env.stdout, "public client: no secret; use PKCE\n")
		}
		return nil
	})
}

func appsList(env cmdEnv, args []string) error {
	var asJSON bool
	return adminCommand(env, "apps list", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}, func(st *sqlstore.Store) error {
		apps, err := st.ListApps(env.ctx)
		if err != nil {
			return err
		}
		out := make([]appJSON, 0, len(apps))
		for _, a := range apps {
			out = append(out, appView(a, ""))
		}
		if asJSON {
			return writeJSON(env.stdout, out)
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT ID\tNAME\tTYPE\tSTATUS\tREDIRECT URIS")
		for _, a := range out {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.ClientID, a.Name, a.ApplicationType, a.Status, strings.Join(a.RedirectURIs, " "))
		}
		return tw.Flush()
	})
}

func usersCreate(env cmdEnv, args []string) error {
	var p domain.NewUserParams
	var pwStdin, asJSON, superAdmin, readOnlyAdmin bool
	return adminCommand(env, "users create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&p.Login, "login", "", "login, usually an email address (required)")
		fs.StringVar(&p.Email, "email", "", "email (defaults to the login when it is an email address)")
		fs.StringVar(&p.FirstName, "first-name", "", "first name")
		fs.StringVar(&p.LastName, "last-name", "", "last name")
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input (first line)")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
		fs.BoolVar(&superAdmin, "admin", false, "make the user a super administrator (Admin Console at /admin)")
		fs.BoolVar(&readOnlyAdmin, "read-only-admin", false, "make the user a read-only administrator")
	}, func(st *sqlstore.Store) error {
		if superAdmin && readOnlyAdmin {
			return errors.New("choose one of --admin and --read-only-admin")
		}
		if pwStdin {
			b, err := io.ReadAll(io.LimitReader(env.stdin, 4096))
			if err != nil {
				return err
			}
			line, _, _ := strings.Cut(string(b), "\n")
			if p.Password = strings.TrimRight(line, "\r"); p.Password == "" {
				return errors.New("--password-stdin: standard input held no password")
			}
		}
		u, err := domain.CreateUser(env.ctx, st, p, time.Now())
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("a user with login %q already exists (logins are case-insensitive)", strings.TrimSpace(p.Login))
		}
		if err != nil {
			return explain(err)
		}
		role := ""
		switch {
		case superAdmin:
			role = domain.RoleSuperAdmin
		case readOnlyAdmin:
			role = domain.RoleReadOnlyAdmin
		}
		if role != "" {
			if _, err := (&domain.Service{Store: st}).AssignRole(env.ctx, u.ID, role); err != nil {
				return explain(err)
			}
		}
		if asJSON {
			out := map[string]string{"id": u.ID, "login": u.Login, "email": u.Email, "status": u.Status}
			if role != "" {
				out["role"] = role
			}
			return writeJSON(env.stdout, out)
		}
		fmt.Fprintf(env.stdout, "user id  %s\nlogin    %s\n", u.ID, u.Login)
		if role != "" {
			fmt.Fprintf(env.stdout, "role     %s (sign in at /admin)\n", role)
		}
		return nil
	})
}

func migrateUp(env cmdEnv, args []string) error {
	return adminCommand(env, "migrate up", args, func(*flag.FlagSet) {}, func(*sqlstore.Store) error {
		fmt.Fprintln(env.stdout, "database is up to date") // opening it applied what was pending
		return nil
	})
}

func migrateStatus(env cmdEnv, args []string) error {
	return adminCommand(env, "migrate status", args, func(*flag.FlagSet) {}, func(st *sqlstore.Store) error {
		status, err := st.MigrationStatus(env.ctx)
		if err != nil {
			return err
		}
		for _, m := range status {
			fmt.Fprintf(env.stdout, "%05d  %-8s  %s\n", m.Source.Version, m.State, m.Source.Path)
		}
		return nil
	})
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
