package domain

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// DefaultServerID is the id of the custom authorization server that every
// org has, as Okta's "default".
const DefaultServerID = "default"

// EnsureAuthServers creates the org authorization server and the "default"
// custom server when they are missing. Safe to run on every start and from
// several replicas at once.
func EnsureAuthServers(ctx context.Context, st store.AuthServers, now time.Time) error {
	for _, as := range []store.AuthServer{
		{ID: store.OrgServerID, Name: "Org Authorization Server", Description: "The org authorization server",
			Audience: "", Status: store.StatusActive, Created: now},
		{ID: DefaultServerID, Name: "default", Description: "Default Authorization Server",
			Audience: "api://default", Status: store.StatusActive, Created: now},
	} {
		if err := st.CreateAuthServer(ctx, as); err != nil && !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return nil
}
