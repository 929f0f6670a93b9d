package domain

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// DefaultServerID is the id of the custom authorization server that every
// org has, as Okta's "default".
const DefaultServerID = "default"

// Issuer modes Okta knows. Gatehouse stores the mode; its issuer is always
// its base URL followed by /oauth2/{id}.
const (
	IssuerModeOrgURL    = "ORG_URL"
	IssuerModeCustomURL = "CUSTOM_URL"
	IssuerModeDynamic   = "DYNAMIC"
)

// EnsureAuthServers creates the org authorization server and, with it on a
// new database, the "default" custom server and its Default Policy. Safe to
// run on every start and from several replicas at once; a default server
// an administrator deleted stays deleted.
func EnsureAuthServers(ctx context.Context, st store.AuthServers, now time.Time) error {
	org := store.AuthServer{ID: store.OrgServerID, Name: "Org Authorization Server", Description: "The org authorization server",
		Audience: "", Status: store.StatusActive, Created: now}
	err := st.CreateAuthServer(ctx, org)
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	if err != nil {
		return err
	}
	def := store.AuthServer{ID: DefaultServerID, Name: "default", Description: "Default Authorization Server",
		Audience: "api://default", Status: store.StatusActive, Created: now}
	if err := st.CreateAuthServer(ctx, def); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	return ensureDefaultPolicy(ctx, st, now)
}

// The ids of the default server's Default Policy and its rule, which the
// schema migration also creates.
const (
	DefaultPolicyID     = "00pdefaultpolicy0000"
	DefaultPolicyRuleID = "0prdefaultrule000000"
)

// ensureDefaultPolicy creates the default server's Default Policy (every
// client) and Default Policy Rule (everyone, every grant and scope, 1 h
// access tokens, unlimited refresh tokens with a 7-day idle window) when
// the server has no policy.
func ensureDefaultPolicy(ctx context.Context, st store.AccessPolicies, now time.Time) error {
	pols, err := st.ListAccessPolicies(ctx, DefaultServerID)
	if err != nil || len(pols) > 0 {
		return err
	}
	_, err = st.CreateAccessPolicy(ctx, store.AccessPolicy{ID: DefaultPolicyID, AuthServerID: DefaultServerID,
		Name: "Default Policy", Description: "Default policy description", Priority: 1, Status: store.StatusActive,
		Clients: []string{store.AllClients}, Created: now})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	_, err = st.CreatePolicyRule(ctx, store.PolicyRule{ID: DefaultPolicyRuleID, PolicyID: DefaultPolicyID,
		AuthServerID: DefaultServerID, Name: "Default Policy Rule", Priority: 1, Status: store.StatusActive,
		GroupsInclude: []string{store.EveryoneGroup},
		GrantTypes:    slices.Clone(defaultRuleGrantTypes),
		Scopes:        []string{store.AnyScope}, AccessTokenMinutes: DefaultAccessTokenMinutes,
		RefreshTokenMinutes: 0, RefreshWindowMinutes: DefaultRefreshWindowMinutes, Created: now})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	return nil
}

// AuthServerParams is what an administrator sets on a custom
// authorization server.
type AuthServerParams struct {
	Name        string
	Description string
	// Audiences must hold exactly one value (Okta allows one).
	Audiences  []string
	IssuerMode string // empty means ORG_URL
	// Status is ACTIVE or INACTIVE: "" makes a new server ACTIVE and
	// leaves a replaced one's status as it is.
	Status string
}

func (p *AuthServerParams) validate() error {
	var v ValidationError
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || len(p.Name) > 100 {
		v.add("name", "must be 1 to 100 characters")
	}
	if len(p.Description) > 1024 {
		v.add("description", "must be at most 1024 characters")
	}
	switch {
	case len(p.Audiences) != 1:
		v.add("audiences", "must hold exactly one audience")
	case strings.TrimSpace(p.Audiences[0]) == "" || len(p.Audiences[0]) > 1024:
		v.add("audiences", "must be 1 to 1024 characters")
	case strings.Contains(p.Audiences[0], ":") && !isAbsoluteURI(p.Audiences[0]):
		v.add("audiences", "an audience with ':' must be a valid URI")
	}
	if p.IssuerMode == "" {
		p.IssuerMode = IssuerModeOrgURL
	}
	if !slices.Contains([]string{IssuerModeOrgURL, IssuerModeCustomURL, IssuerModeDynamic}, p.IssuerMode) {
		v.add("issuerMode", "must be ORG_URL, CUSTOM_URL or DYNAMIC")
	}
	checkStatus(&v, p.Status)
	return v.err()
}

func isAbsoluteURI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Opaque != "" || u.Host != "" || u.Path != "") && !strings.ContainsAny(s, " \t\r\n")
}

// nameTaken is the validation error of a name another object has.
func nameTaken(err error, field string) error {
	if errors.Is(err, store.ErrConflict) {
		return Invalid(field, "An object with this field already exists")
	}
	return err
}

// ListAuthServers lists the custom authorization servers (never the org
// server) whose name or audience contains q, case-insensitively.
func (s *Service) ListAuthServers(ctx context.Context, q string) ([]store.AuthServer, error) {
	all, err := s.Store.ListAuthServers(ctx)
	if err != nil {
		return nil, err
	}
	q = strings.ToLower(q)
	out := []store.AuthServer{}
	for _, as := range all {
		if as.ID == store.OrgServerID {
			continue
		}
		if q == "" || strings.Contains(strings.ToLower(as.Name), q) || strings.Contains(strings.ToLower(as.Audience), q) {
			out = append(out, as)
		}
	}
	return out, nil
}

// GetAuthServer returns a custom authorization server; the org server is
// not one (store.ErrNotFound).
func (s *Service) GetAuthServer(ctx context.Context, id string) (store.AuthServer, error) {
	if id == store.OrgServerID {
		return store.AuthServer{}, store.ErrNotFound
	}
	return s.Store.GetAuthServer(ctx, id)
}

// CreateAuthServer makes a custom authorization server, stored with its
// status (ACTIVE unless p.Status says INACTIVE) in one write. It has no
// access policy: until one is made, it issues no token (as Okta's).
func (s *Service) CreateAuthServer(ctx context.Context, p AuthServerParams) (store.AuthServer, error) {
	if err := p.validate(); err != nil {
		return store.AuthServer{}, err
	}
	now := s.now().UTC()
	as := store.AuthServer{ID: NewID(PrefixAuthServer), Name: p.Name, Description: p.Description, Audience: p.Audiences[0],
		Status: statusOr(p.Status, store.StatusActive), IssuerMode: p.IssuerMode, Created: now, LastUpdated: now}
	if err := s.Store.CreateAuthServer(ctx, as); err != nil {
		return store.AuthServer{}, nameTaken(err, "name")
	}
	s.record(ctx, "oauth2.as.created", "Create authorization server", authServerTarget(as))
	return as, nil
}

// ReplaceAuthServer sets the name, description, audience, issuer mode and
// (when set) status of a custom server, in one write.
func (s *Service) ReplaceAuthServer(ctx context.Context, id string, p AuthServerParams) (store.AuthServer, error) {
	as, err := s.GetAuthServer(ctx, id)
	if err != nil {
		return as, err
	}
	if err := p.validate(); err != nil {
		return store.AuthServer{}, err
	}
	was := as.Status
	as.Name, as.Description, as.Audience, as.IssuerMode, as.LastUpdated = p.Name, p.Description, p.Audiences[0], p.IssuerMode, s.now().UTC()
	as.Status = statusOr(p.Status, as.Status)
	if err := s.Store.UpdateAuthServer(ctx, as); err != nil {
		return store.AuthServer{}, nameTaken(err, "name")
	}
	s.record(ctx, "oauth2.as.updated", "Update authorization server", authServerTarget(as))
	if as.Status != was {
		_, event, msg := authServerLifecycle(as.Status == store.StatusActive)
		s.record(ctx, event, msg, authServerTarget(as))
	}
	return as, nil
}

// SetAuthServerActive activates or deactivates a custom server. An
// inactive server answers its OAuth endpoints as an unknown one. Setting
// the status it has already changes nothing.
func (s *Service) SetAuthServerActive(ctx context.Context, id string, active bool) error {
	as, err := s.GetAuthServer(ctx, id)
	if err != nil {
		return err
	}
	status, event, msg := authServerLifecycle(active)
	if as.Status == status {
		return nil
	}
	as.Status, as.LastUpdated = status, s.now().UTC()
	if err := s.Store.UpdateAuthServer(ctx, as); err != nil {
		return err
	}
	s.record(ctx, event, msg, authServerTarget(as))
	return nil
}

// DeleteAuthServer deletes an inactive custom server with its scopes,
// policies and keys; an active one must be deactivated first.
func (s *Service) DeleteAuthServer(ctx context.Context, id string) error {
	as, err := s.GetAuthServer(ctx, id)
	if err != nil {
		return err
	}
	if as.Status == store.StatusActive {
		return &StateError{Message: "Cannot delete an active authorization server; deactivate it first."}
	}
	if err := s.Store.DeleteAuthServer(ctx, id); err != nil {
		return err
	}
	s.record(ctx, "oauth2.as.deleted", "Delete authorization server", authServerTarget(as))
	return nil
}

// RotateAuthServerKeys rotates a server's signing keys now with rotate
// (the key manager's forced rotation: the next key signs from now on) and
// records the rollover.
func (s *Service) RotateAuthServerKeys(ctx context.Context, id string, rotate func(ctx context.Context, id string) error) error {
	as, err := s.GetAuthServer(ctx, id)
	if err != nil {
		return err
	}
	if err := rotate(ctx, id); err != nil {
		return err
	}
	s.record(ctx, "app.oauth2.as.key.rollover", "Rotate authorization server keys", authServerTarget(as))
	return nil
}

// authServerLifecycle is the status an activation (or deactivation) sets
// and the System Log event that records it.
func authServerLifecycle(active bool) (status, event, msg string) {
	if active {
		return store.StatusActive, "oauth2.as.activated", "Activate authorization server"
	}
	return store.StatusInactive, "oauth2.as.deactivated", "Deactivate authorization server"
}

func authServerTarget(as store.AuthServer) store.EventObject {
	return store.EventObject{ID: as.ID, Type: "AuthorizationServer", AlternateID: as.Name, DisplayName: as.Name}
}
