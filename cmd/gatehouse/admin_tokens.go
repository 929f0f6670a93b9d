package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

// cliService is the domain service as the command line uses it: its
// changes are recorded in the System Log with the CLI as the actor.
func cliService(env cmdEnv, st *sqlstore.Store) (*domain.Service, context.Context) {
	svc := &domain.Service{Store: st, Events: eventlog.New(st, time.Now), Now: time.Now}
	ctx := eventlog.WithRequest(env.ctx, eventlog.Request{
		Actor: store.EventObject{ID: "gatehouse-cli", Type: "SystemPrincipal", AlternateID: "gatehouse CLI", DisplayName: "gatehouse CLI"}})
	return svc, ctx
}

func tokensCreate(env cmdEnv, args []string) error {
	var name, userLogin string
	var asJSON bool
	return adminCommand(env, "tokens create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "a name that says what the token is for (required)")
		fs.StringVar(&userLogin, "user", "", "login of the administrator the token acts for (optional)")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}, func(st *sqlstore.Store) error {
		svc, ctx := cliService(env, st)
		var userID string
		if userLogin != "" {
			u, err := st.GetUserByLogin(ctx, userLogin)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no user has the login %q", userLogin)
			}
			if err != nil {
				return err
			}
			userID = u.ID
		}
		t, err := svc.CreateAPIToken(ctx, name, userID)
		if err != nil {
			return explain(err)
		}
		if asJSON {
			return writeJSON(env.stdout, map[string]string{"id": t.Token.ID, "name": t.Token.Name, "token": t.Value})
		}
		fmt.Fprintf(env.stdout, "token id  %s\ntoken     %s\n\nThe token is shown only now. Use it as: Authorization: SSWS %s\n",
			t.Token.ID, t.Value, t.Value)
		return nil
	})
}

func tokensList(env cmdEnv, args []string) error {
	return adminCommand(env, "tokens list", args, func(*flag.FlagSet) {}, func(st *sqlstore.Store) error {
		tokens, err := st.ListAPITokens(env.ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tUSER\tCREATED\tEXPIRES")
		for _, t := range tokens {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.UserID, t.Created.Format(time.RFC3339),
				t.ExpiresAt.Format(time.RFC3339))
		}
		return tw.Flush()
	})
}

func tokensRevoke(env cmdEnv, args []string) error {
	var id string
	return adminCommand(env, "tokens revoke", args, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "id of the token to revoke (required)")
	}, func(st *sqlstore.Store) error {
		svc, ctx := cliService(env, st)
		err := svc.RevokeAPIToken(ctx, strings.TrimSpace(id))
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no API token has the id %q", id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "revoked %s\n", id)
		return nil
	})
}
