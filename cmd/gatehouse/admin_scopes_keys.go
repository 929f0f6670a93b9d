package main

import (
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/config"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

func scopesAdd(env cmdEnv, args []string) error {
	var p domain.NewScopeParams
	var asJSON bool
	return adminCommand(env, "scopes add", args, func(fs *flag.FlagSet) {
		fs.StringVar(&p.AuthServerID, "auth-server", domain.DefaultServerID, "custom authorization server `id`")
		fs.StringVar(&p.Name, "name", "", "scope name, e.g. orders:read (required)")
		fs.StringVar(&p.DisplayName, "display-name", "", "name shown on a consent page")
		fs.StringVar(&p.Description, "description", "", "what the scope allows")
		fs.StringVar(&p.Consent, "consent", domain.ConsentImplicit, "IMPLICIT, REQUIRED or FLEXIBLE")
		fs.StringVar(&p.MetadataPublish, "metadata-publish", domain.PublishNoClients,
			"ALL_CLIENTS lists the scope in discovery's scopes_supported; NO_CLIENTS does not")
		fs.BoolVar(&p.Default, "default", false, "grant it to client_credentials requests that name no scope")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}, func(st *sqlstore.Store) error {
		sc, err := domain.CreateScope(env.ctx, st, p, time.Now())
		if err != nil {
			return explain(err)
		}
		if asJSON {
			return writeJSON(env.stdout, scopeView(sc))
		}
		fmt.Fprintf(env.stdout, "scope %s (%s) added to authorization server %s\n", sc.Name, sc.ID, sc.AuthServerID)
		return nil
	})
}

type scopeJSON struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	DisplayName     string `json:"displayName"`
	Description     string `json:"description"`
	Default         bool   `json:"default"`
	Consent         string `json:"consent"`
	MetadataPublish string `json:"metadataPublish"`
}

func scopeView(sc store.Scope) scopeJSON {
	return scopeJSON{sc.ID, sc.Name, sc.DisplayName, sc.Description, sc.Default, sc.Consent, sc.MetadataPublish}
}

func scopesList(env cmdEnv, args []string) error {
	var asID string
	var asJSON bool
	return adminCommand(env, "scopes list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&asID, "auth-server", domain.DefaultServerID, "authorization server `id`")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}, func(st *sqlstore.Store) error {
		scopes, err := st.ListScopes(env.ctx, asID)
		if err != nil {
			return err
		}
		out := make([]scopeJSON, 0, len(scopes))
		for _, sc := range scopes {
			out = append(out, scopeView(sc))
		}
		if asJSON {
			return writeJSON(env.stdout, out)
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tDEFAULT\tPUBLISHED\tDESCRIPTION")
		for _, sc := range out {
			fmt.Fprintf(tw, "%s\t%s\t%v\t%v\t%s\n", sc.ID, sc.Name, sc.Default, sc.MetadataPublish == domain.PublishAllClients, sc.Description)
		}
		return tw.Flush()
	})
}

// keysCommand is an admin command that also needs the signing keys' sealer.
// define, when not nil, adds the command's own flags.
func keysCommand(env cmdEnv, name string, args []string, define func(*flag.FlagSet), body func(*sqlstore.Store, *keys.Manager, string) error) error {
	var asID, masterKey string
	var flags *flag.FlagSet
	return adminCommand(env, name, args, func(fs *flag.FlagSet) {
		flags = fs
		fs.StringVar(&asID, "auth-server", domain.DefaultServerID, "authorization server `id` (org for the org server)")
		fs.StringVar(&masterKey, "master-key", env.getenv("GATEHOUSE_MASTER_KEY"), "master `key` (env GATEHOUSE_MASTER_KEY; SQLite falls back to the key file)")
		if define != nil {
			define(fs)
		}
	}, func(st *sqlstore.Store) error {
		if _, err := st.GetAuthServer(env.ctx, asID); err != nil {
			return fmt.Errorf("authorization server %q: %w", asID, err)
		}
		cfg := config.Default()
		cfg.Database, cfg.MasterKey = flags.Lookup("database").Value.String(), masterKey
		if cfg.IsPostgres() && masterKey == "" {
			return fmt.Errorf("--master-key or GATEHOUSE_MASTER_KEY is required with PostgreSQL")
		}
		sealer, err := openSealer(cfg, env)
		if err != nil {
			return err
		}
		return body(st, keys.NewManager(st, sealer, time.Now), asID)
	})
}

func keysRotate(env cmdEnv, args []string) error {
	var force bool
	var alg string
	return keysCommand(env, "keys rotate", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&force, "force", false, "rotate even if the current key took over less than an hour ago; "+
			"tokens signed by the previous key, which is dropped, stop verifying at once")
		fs.StringVar(&alg, "alg", "", "switch the server to this signing `algorithm` (RS256, ES256 or EdDSA): "+
			"this rotation publishes a next key of it, the following rotation makes it sign")
	}, func(_ *sqlstore.Store, m *keys.Manager, asID string) error {
		if alg != "" {
			if err := m.SetAlg(env.ctx, asID, alg); err != nil {
				return err
			}
		}
		rotate := m.Rotate
		if force {
			rotate = m.RotateForce
		}
		if err := rotate(env.ctx, asID); err != nil {
			if errors.Is(err, keys.ErrKeyTooYoung) {
				if alg != "" {
					err = fmt.Errorf("%w (the algorithm %s is recorded: the next rotation publishes a key of it)", err, alg)
				}
				return fmt.Errorf("%w; wait until the key is %s old, or run with --force to drop the previous key now", err, keys.MinKeyAge)
			}
			return err
		}
		set, err := m.Get(env.ctx, asID)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "rotated: %s (%s) now signs for %s; replicas switch within %s\n", set.CurrentKID(), set.Alg(), asID, keys.ReloadEvery)
		if alg != "" {
			if want, _ := keys.CheckAlg(alg); set.Alg() != want {
				fmt.Fprintf(env.stdout, "a %s key is published as next; it signs from the next rotation (run keys rotate again "+
					"in %s, or let the rotation interval do it)\n", want, keys.MinKeyAge)
			}
		}
		return nil
	})
}

func keysList(env cmdEnv, args []string) error {
	return keysCommand(env, "keys list", args, nil, func(st *sqlstore.Store, m *keys.Manager, asID string) error {
		if _, err := m.Get(env.ctx, asID); err != nil { // decrypts them, and creates them on a new server
			return err
		}
		rows, err := st.ListSigningKeys(env.ctx, asID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KID\tSTATUS\tALG\tSINCE")
		for _, k := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.KID, k.Status, k.Alg, k.Created.Format(time.RFC3339))
		}
		return tw.Flush()
	})
}
