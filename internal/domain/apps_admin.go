package domain

import (
	"context"
	"errors"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// ErrDeleteActiveApp refuses to delete an app that is still ACTIVE: it
// must be deactivated first (Okta's E0000056).
var ErrDeleteActiveApp = errors.New("delete application forbidden: deactivate it first")

// appTarget names an app in a System Log event.
func appTarget(a store.App) store.EventObject {
	return store.EventObject{ID: a.ClientID, Type: "AppInstance", AlternateID: a.Name, DisplayName: a.Name}
}

// CreateApp registers an app through the Management API: active when
// activate is set, and, as in Okta, assigned to no one (p.Unassigned is
// ignored). A client id already in use is a validation error.
func (s *Service) CreateApp(ctx context.Context, p NewAppParams, activate bool) (NewApp, error) {
	return s.registerApp(ctx, p, activate, false)
}

// CreateAppForEveryone registers an app as CreateApp does, assigned to the
// Everyone group in the same write (the console's "Allow everyone in your
// organization to access"). Either both are stored or neither is, so that
// no app is left behind unassigned with a secret nobody was shown.
func (s *Service) CreateAppForEveryone(ctx context.Context, p NewAppParams, activate bool) (NewApp, error) {
	return s.registerApp(ctx, p, activate, true)
}

func (s *Service) registerApp(ctx context.Context, p NewAppParams, activate, everyone bool) (NewApp, error) {
	p.Sealer, p.Unassigned = s.Sealer, !everyone
	status := store.StatusInactive
	if activate {
		status = store.StatusActive
	}
	created, err := createApp(ctx, s.Store, p, status, s.now().UTC())
	if errors.Is(err, store.ErrConflict) {
		return created, Invalid("client_id", "An object with this field already exists in the current organization")
	}
	if err != nil {
		return created, err
	}
	s.record(ctx, "application.lifecycle.create", "Add application", appTarget(created.App))
	if everyone {
		s.record(ctx, "group.application_assignment.add", "Add assigned application to group", appTarget(created.App),
			groupTarget(store.Group{ID: store.EveryoneGroupID, Name: "Everyone"}))
	}
	return created, nil
}

// UpdateApp replaces an app's settings (Okta's PUT: the whole object).
// The client id, status and creation time stay. Secrets stay too, unless
// p.ClientSecret names a new one, which then replaces them all; an app
// moving from private_key_jwt to a secret method without a secret gets a
// generated one. Both come back in NewApp.ClientSecret. An empty p.Type or
// p.AuthMethod keeps the app's; the type cannot change, nor can the method
// to or from client_secret_jwt, whose secret is sealed.
func (s *Service) UpdateApp(ctx context.Context, clientID string, p NewAppParams) (NewApp, error) {
	old, err := s.Store.GetApp(ctx, clientID)
	if err != nil {
		return NewApp{}, err
	}
	if p.Type == "" {
		p.Type = old.Type
	}
	if p.AuthMethod == "" {
		p.AuthMethod = old.TokenEndpointAuthMethod
	}
	p.Sealer = s.Sealer
	var v ValidationError
	if p.Type != old.Type {
		v.add("application_type", "cannot be changed (it is "+old.Type+"): create a new app")
	}
	if p.ClientID != "" && p.ClientID != clientID {
		v.add("client_id", "cannot be changed")
	}
	jwtChange := (p.AuthMethod == AuthMethodSecretJWT) != (old.TokenEndpointAuthMethod == AuthMethodSecretJWT)
	if jwtChange {
		v.add("token_endpoint_auth_method", "cannot be changed to or from client_secret_jwt: create a new app")
	}
	if p.AuthMethod == AuthMethodSecretJWT && p.ClientSecret != "" {
		v.add("client_secret", "the sealed secret of a client_secret_jwt app cannot be replaced")
	}
	now := s.now().UTC()
	app, err := buildApp(p, clientID, now)
	if err != nil || len(v.Problems) > 0 {
		var bv *ValidationError
		if errors.As(err, &bv) {
			v.Problems = append(v.Problems, bv.Problems...)
		} else if err != nil {
			return NewApp{}, err
		}
		return NewApp{}, v.err()
	}
	app.Status, app.Created, app.SecretSealed = old.Status, old.Created, old.SecretSealed
	secret := p.ClientSecret
	usesSecret := app.TokenEndpointAuthMethod == AuthMethodBasic || app.TokenEndpointAuthMethod == AuthMethodPost
	if usesSecret && secret == "" && len(old.SecretHashes) == 0 {
		secret = RandomToken(32)
	}
	var replace *store.AppSecret
	if secret != "" && !AppSecretMatches(secret, old) {
		replace = &store.AppSecret{ID: NewID(PrefixSecret), ClientID: clientID, Hash: HashSecret(secret),
			Status: store.StatusActive, Created: now, LastUpdated: now}
	} else {
		secret = "" // the secret in hand is already the app's: nothing to show
	}
	if err := s.Store.UpdateApp(ctx, app, replace); err != nil {
		return NewApp{}, err
	}
	app, err = s.Store.GetApp(ctx, clientID)
	if err != nil {
		return NewApp{}, err
	}
	s.record(ctx, "application.lifecycle.update", "Update application", appTarget(app))
	if replace != nil {
		s.record(ctx, "app.oauth2.credentials.lifecycle.create", "Create OAuth client secret", appTarget(app))
	}
	return NewApp{App: app, ClientSecret: secret}, nil
}

// ActivateApp makes an app usable again; an active app stays as it is.
func (s *Service) ActivateApp(ctx context.Context, clientID string) error {
	return s.setAppStatus(ctx, clientID, store.StatusActive, "application.lifecycle.activate", "Activate application")
}

// DeactivateApp stops an app: it can no longer start an authorization or
// get tokens.
func (s *Service) DeactivateApp(ctx context.Context, clientID string) error {
	return s.setAppStatus(ctx, clientID, store.StatusInactive, "application.lifecycle.deactivate", "Deactivate application")
}

func (s *Service) setAppStatus(ctx context.Context, clientID, status, eventType, message string) error {
	app, err := s.Store.GetApp(ctx, clientID)
	if err != nil || app.Status == status {
		return err
	}
	if err := s.Store.SetAppStatus(ctx, clientID, status, s.now().UTC()); err != nil {
		return err
	}
	s.record(ctx, eventType, message, appTarget(app))
	return nil
}

// DeleteApp removes an INACTIVE app with its secrets and assignments and
// ends its grants (refresh tokens, codes, the access tokens they issued);
// an active one is ErrDeleteActiveApp.
func (s *Service) DeleteApp(ctx context.Context, clientID string) error {
	app, err := s.Store.GetApp(ctx, clientID)
	if err != nil {
		return err
	}
	if app.Status == store.StatusActive {
		return ErrDeleteActiveApp
	}
	if err := s.Store.DeleteApp(ctx, clientID, s.now().UTC()); err != nil {
		return err
	}
	s.record(ctx, "application.lifecycle.delete", "Delete application", appTarget(app))
	return nil
}
