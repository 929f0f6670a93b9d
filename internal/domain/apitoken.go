package domain

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// PrefixAPIToken starts the id of a Management API token (Okta: 00T…).
const PrefixAPIToken = "00T"

// DefaultAPITokenWindow is how long an API token lives without use.
const DefaultAPITokenWindow = 30 * 24 * time.Hour

// apiTokenValuePrefix makes token values recognisable (Okta's start with
// "00"), so that secret scanners and people can tell what leaked.
const apiTokenValuePrefix = "00"

// NewAPIToken is a created token and its value, shown only here.
type NewAPIToken struct {
	Token store.APIToken
	Value string
}

// CreateAPIToken makes a Management API token acting for userID (may be
// empty for a token made from the command line before any administrator
// exists). Only the hash of the value is stored.
func (s *Service) CreateAPIToken(ctx context.Context, name, userID string) (NewAPIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 255 {
		return NewAPIToken{}, Invalid("name", "must be 1 to 255 characters")
	}
	now := s.now().UTC()
	value := apiTokenValuePrefix + RandomToken(30)
	t := store.APIToken{
		ID: NewID(PrefixAPIToken), Name: name, UserID: userID, Hash: HashSecret(value),
		Window: DefaultAPITokenWindow, ExpiresAt: now.Add(DefaultAPITokenWindow), Created: now, LastUpdated: now,
	}
	if err := s.Store.CreateAPIToken(ctx, t); err != nil {
		return NewAPIToken{}, err
	}
	s.record(ctx, "system.api_token.create", "Create API token", apiTokenTarget(t))
	return NewAPIToken{Token: t, Value: value}, nil
}

// AuthenticateAPIToken finds the live token with this value and records
// its use (at most once a minute, so that busy clients do not write on
// every call). An unknown, revoked or expired token, and the token of an
// administrator who is no longer active, is store.ErrNotFound: a token acts
// for its administrator and ends with their access.
func (s *Service) AuthenticateAPIToken(ctx context.Context, value string) (store.APIToken, error) {
	if !strings.HasPrefix(value, apiTokenValuePrefix) || len(value) > 200 {
		return store.APIToken{}, store.ErrNotFound
	}
	now := s.now()
	t, err := s.Store.GetAPITokenByHash(ctx, HashSecret(value), now)
	if err != nil {
		return t, err
	}
	if t.UserID != "" {
		u, err := s.Store.GetUser(ctx, t.UserID)
		if err != nil {
			return store.APIToken{}, err
		}
		if u.Status != store.StatusActive {
			return store.APIToken{}, store.ErrNotFound
		}
	}
	if now.Sub(t.LastUsed) >= time.Minute {
		if err := s.Store.TouchAPIToken(ctx, t.ID, now); err != nil {
			return t, err
		}
	}
	return t, nil
}

// RevokeAPIToken deletes a token.
func (s *Service) RevokeAPIToken(ctx context.Context, id string) error {
	t, err := s.Store.GetAPIToken(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteAPIToken(ctx, id); err != nil {
		return err
	}
	s.record(ctx, "system.api_token.revoke", "Revoke API token", apiTokenTarget(t))
	return nil
}

func apiTokenTarget(t store.APIToken) store.EventObject {
	return store.EventObject{ID: t.ID, Type: "Token", AlternateID: t.Name, DisplayName: t.Name}
}
