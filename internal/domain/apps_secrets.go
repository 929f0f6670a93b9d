package domain

import (
	"context"
	"errors"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// PrefixSecret starts the id of a client secret (Okta: ocs…).
const PrefixSecret = "ocs"

// MaxAppSecrets is how many secrets an app may hold at once, ACTIVE or
// not: two, enough to rotate one without downtime (Okta's limit).
const MaxAppSecrets = 2

// NewAppSecret is a created secret and its value, shown only here.
type NewAppSecret struct {
	Secret store.AppSecret
	Value  string
}

// secretApp loads an app whose secrets the Management API may change:
// one that authenticates with a hashed secret. A client_secret_jwt app
// keeps one sealed secret that cannot be rotated yet; public and
// private_key_jwt apps have none.
func (s *Service) secretApp(ctx context.Context, clientID string) (store.App, error) {
	app, err := s.Store.GetApp(ctx, clientID)
	if err != nil {
		return app, err
	}
	switch app.TokenEndpointAuthMethod {
	case AuthMethodBasic, AuthMethodPost:
		return app, nil
	case AuthMethodSecretJWT:
		return app, &StateError{Message: "The secret of a client_secret_jwt app is sealed with the master key and cannot be rotated."}
	}
	return app, &StateError{Message: "This app authenticates with " + app.TokenEndpointAuthMethod + " and has no client secret."}
}

// ListAppSecrets returns an app's secrets, oldest first.
func (s *Service) ListAppSecrets(ctx context.Context, clientID string) ([]store.AppSecret, error) {
	if _, err := s.Store.GetApp(ctx, clientID); err != nil {
		return nil, err
	}
	return s.Store.ListAppSecrets(ctx, clientID)
}

// CreateAppSecret adds a secret to an app: value, or a generated one of
// 256 bits when value is empty; status ACTIVE (the default) or INACTIVE.
// An app holds at most MaxAppSecrets.
func (s *Service) CreateAppSecret(ctx context.Context, clientID, value, status string) (NewAppSecret, error) {
	app, err := s.secretApp(ctx, clientID)
	if err != nil {
		return NewAppSecret{}, err
	}
	var v ValidationError
	checkClientSecret(&v, value, app.TokenEndpointAuthMethod)
	if status == "" {
		status = store.StatusActive
	} else if status != store.StatusActive && status != store.StatusInactive {
		v.add("status", "must be ACTIVE or INACTIVE")
	}
	if err := v.err(); err != nil {
		return NewAppSecret{}, err
	}
	if value == "" {
		value = RandomToken(32)
	}
	now := s.now().UTC()
	sec := store.AppSecret{ID: NewID(PrefixSecret), ClientID: clientID, Hash: HashSecret(value), HintKey: RandomToken(32),
		Status: status, Created: now, LastUpdated: now}
	// The store counts and inserts in one transaction.
	if err := s.Store.CreateAppSecret(ctx, sec, MaxAppSecrets); errors.Is(err, store.ErrSecretLimit) {
		return NewAppSecret{}, Invalid("client_secret", "an app holds at most two secrets: delete an inactive one first")
	} else if err != nil {
		return NewAppSecret{}, err
	}
	s.record(ctx, "app.oauth2.credentials.lifecycle.create", "Create OAuth client secret", appTarget(app))
	return NewAppSecret{Secret: sec, Value: value}, nil
}

// ActivateAppSecret lets the token endpoint accept a secret again.
func (s *Service) ActivateAppSecret(ctx context.Context, clientID, secretID string) (store.AppSecret, error) {
	return s.setSecretStatus(ctx, clientID, secretID, store.StatusActive)
}

// DeactivateAppSecret stops the token endpoint accepting a secret. The
// app's last active secret stays: without it the app could not sign in.
func (s *Service) DeactivateAppSecret(ctx context.Context, clientID, secretID string) (store.AppSecret, error) {
	return s.setSecretStatus(ctx, clientID, secretID, store.StatusInactive)
}

func (s *Service) setSecretStatus(ctx context.Context, clientID, secretID, status string) (store.AppSecret, error) {
	app, err := s.secretApp(ctx, clientID)
	if err != nil {
		return store.AppSecret{}, err
	}
	sec, err := s.Store.GetAppSecret(ctx, clientID, secretID)
	if err != nil || sec.Status == status {
		return sec, err
	}
	now := s.now().UTC()
	// The store refuses, in the transaction that writes, to leave the app
	// without an active secret.
	if err := s.Store.SetAppSecretStatus(ctx, clientID, secretID, status, now); errors.Is(err, store.ErrLastActiveSecret) {
		return sec, &StateError{Message: "The app's only active client secret cannot be deactivated: create and activate another first."}
	} else if err != nil {
		return sec, err
	}
	sec.Status, sec.LastUpdated = status, now
	event, message := "app.oauth2.credentials.lifecycle.activate", "Activate OAuth client secret"
	if status == store.StatusInactive {
		event, message = "app.oauth2.credentials.lifecycle.deactivate", "Deactivate OAuth client secret"
	}
	s.record(ctx, event, message, appTarget(app))
	return sec, nil
}

// DeleteAppSecret removes an INACTIVE secret.
func (s *Service) DeleteAppSecret(ctx context.Context, clientID, secretID string) error {
	app, err := s.secretApp(ctx, clientID)
	if err != nil {
		return err
	}
	// The store deletes only an inactive secret, in one statement.
	if err := s.Store.DeleteAppSecret(ctx, clientID, secretID); errors.Is(err, store.ErrActiveSecret) {
		return &StateError{Message: "An active client secret cannot be deleted: deactivate it first."}
	} else if err != nil {
		return err
	}
	s.record(ctx, "app.oauth2.credentials.lifecycle.delete", "Delete OAuth client secret", appTarget(app))
	return nil
}
