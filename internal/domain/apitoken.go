package domain

import (
	"context"
	"errors"
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

// CreateAPIToken makes a Management API token acting for userID, who must
// be an active administrator: the token acts with their access. userID may
// be empty for a token made from the command line before any administrator
// exists; such a token has full access. Only the hash of the value is
// stored.
func (s *Service) CreateAPIToken(ctx context.Context, name, userID string) (NewAPIToken, error) {
	var v ValidationError
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 255 {
		v.add("name", "must be 1 to 255 characters")
	}
	if userID != "" {
		problem, err := s.tokenHolderProblem(ctx, userID)
		if err != nil {
			return NewAPIToken{}, err
		}
		if problem != "" {
			v.add("user", problem)
		}
	}
	if err := v.err(); err != nil {
		return NewAPIToken{}, err
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

// tokenHolderProblem says why user id may not hold an API token, or "" when
// they may: a token would otherwise be made that no request could use.
func (s *Service) tokenHolderProblem(ctx context.Context, id string) (string, error) {
	u, err := s.Store.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "no user has the id " + id, nil
	}
	if err != nil {
		return "", err
	}
	roles, err := s.Store.ListUserRoles(ctx, u.ID)
	if err != nil {
		return "", err
	}
	if AccessOf(roles) == NoAdminAccess {
		return u.Login + " is not an administrator; assign them " + strings.Join(RoleTypes, " or ") + " first", nil
	}
	if u.Status != store.StatusActive {
		return u.Login + " is " + u.Status + "; only an active administrator can hold an API token", nil
	}
	return "", nil
}

// APICaller is an authenticated Management API token and what it may do.
type APICaller struct {
	Token store.APIToken
	// Access is its administrator's access (ReadOnlyAccess: GET and HEAD
	// only), or FullAccess for a token made for no one.
	Access AdminAccess
}

// AuthenticateAPIToken finds the live token with this value and records
// its use (at most once a minute, so that busy clients do not write on
// every call). A token acts for its administrator and ends with their
// access: an unknown, revoked or expired token, and the token of a user who
// is no longer active or holds no administrator role, is store.ErrNotFound.
func (s *Service) AuthenticateAPIToken(ctx context.Context, value string) (APICaller, error) {
	if !strings.HasPrefix(value, apiTokenValuePrefix) || len(value) > 200 {
		return APICaller{}, store.ErrNotFound
	}
	now := s.now()
	t, err := s.Store.GetAPITokenByHash(ctx, HashSecret(value), now)
	if err != nil {
		return APICaller{}, err
	}
	access := FullAccess
	if t.UserID != "" {
		u, err := s.Store.GetUser(ctx, t.UserID)
		if err != nil {
			return APICaller{}, err
		}
		if access, err = s.AdminAccessOf(ctx, u); err != nil {
			return APICaller{}, err
		}
		if access == NoAdminAccess {
			return APICaller{}, store.ErrNotFound
		}
	}
	if now.Sub(t.LastUsed) >= time.Minute {
		if err := s.Store.TouchAPIToken(ctx, t.ID, now); err != nil {
			return APICaller{}, err
		}
	}
	return APICaller{Token: t, Access: access}, nil
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
