package domain

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// PrefixScope starts the id of a scope (Okta: scp…).
const PrefixScope = "scp"

// Scope consent and metadata values, as Okta spells them.
const (
	ConsentImplicit   = "IMPLICIT"
	ConsentRequired   = "REQUIRED"
	ConsentFlexible   = "FLEXIBLE"
	PublishNoClients  = "NO_CLIENTS"
	PublishAllClients = "ALL_CLIENTS"
)

// NewScopeParams describes a custom scope of an authorization server.
type NewScopeParams struct {
	AuthServerID string
	Name         string
	DisplayName  string
	Description  string
	Consent      string // empty means IMPLICIT
	Default      bool   // granted to client_credentials requests that name no scope
	Optional     bool
	// MetadataPublish ALL_CLIENTS lists the scope in discovery's
	// scopes_supported; empty means NO_CLIENTS.
	MetadataPublish string
}

// validate checks p and fills its defaults.
func (p *NewScopeParams) validate() *ValidationError {
	var v ValidationError
	switch {
	case !IsScopeToken(p.Name) || len(p.Name) > 300:
		v.add("name", "must be 1 to 300 characters of RFC 6749 scope syntax (no spaces, quotes or backslashes)")
	case IsStandardScope(p.Name):
		v.add("name", p.Name+" is a built-in OpenID Connect scope")
	case strings.HasPrefix(p.Name, "okta."):
		v.add("name", "names starting with okta. are reserved")
	}
	if len(p.DisplayName) > 255 {
		v.add("displayName", "must be at most 255 characters")
	}
	if len(p.Description) > 1000 {
		v.add("description", "must be at most 1000 characters")
	}
	if p.Consent == "" {
		p.Consent = ConsentImplicit
	}
	if !slices.Contains([]string{ConsentImplicit, ConsentRequired, ConsentFlexible}, p.Consent) {
		v.add("consent", "must be IMPLICIT, REQUIRED or FLEXIBLE")
	}
	if p.MetadataPublish == "" {
		p.MetadataPublish = PublishNoClients
	}
	if !slices.Contains([]string{PublishNoClients, PublishAllClients}, p.MetadataPublish) {
		v.add("metadataPublish", "must be NO_CLIENTS or ALL_CLIENTS")
	}
	return &v
}

// CreateScope adds a custom scope. The org server has none (as in Okta), and
// the OIDC scopes are built in, so neither can be defined.
func CreateScope(ctx context.Context, st store.Store, p NewScopeParams, now time.Time) (store.Scope, error) {
	v := p.validate()
	if p.AuthServerID == store.OrgServerID {
		v.add("authorizationServer", "the org authorization server has no custom scopes; use a custom server such as default")
	} else if _, err := st.GetAuthServer(ctx, p.AuthServerID); err != nil {
		if isNotFound(err) {
			v.add("authorizationServer", "no authorization server "+p.AuthServerID)
		} else {
			return store.Scope{}, err
		}
	}
	if err := v.err(); err != nil {
		return store.Scope{}, err
	}
	sc := store.Scope{
		ID: NewID(PrefixScope), AuthServerID: p.AuthServerID, Name: p.Name, DisplayName: p.DisplayName,
		Description: p.Description, Consent: p.Consent, Default: p.Default, Optional: p.Optional,
		MetadataPublish: p.MetadataPublish, Created: now, LastUpdated: now,
	}
	if err := st.CreateScope(ctx, sc); err != nil {
		return store.Scope{}, nameTaken(err, "name")
	}
	return sc, nil
}

// IsScopeToken reports whether s is an RFC 6749 §3.3 scope-token.
func IsScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
			return false
		}
	}
	return true
}

// SystemScopes are the built-in OIDC scopes of a custom server as the
// Management API lists them (system: true). Their ids are derived from the
// server id and the name, so they are stable without being stored.
func SystemScopes(as store.AuthServer) []store.Scope {
	out := make([]store.Scope, 0, len(StandardScopes))
	for _, name := range StandardScopes {
		out = append(out, store.Scope{ID: systemScopeID(as.ID, name), AuthServerID: as.ID, Name: name,
			DisplayName: name, Description: systemScopeDescriptions[name], Consent: ConsentImplicit,
			MetadataPublish: PublishAllClients, Created: as.Created, LastUpdated: as.Created})
	}
	return out
}

var systemScopeDescriptions = map[string]string{
	ScopeOpenID:        "Signals that a request is an OpenID request.",
	ScopeProfile:       "Allows access to the end user's default profile claims.",
	ScopeEmail:         "Allows access to the end user's email address.",
	ScopeAddress:       "Allows access to the end user's address.",
	ScopePhone:         "Allows access to the end user's phone number.",
	ScopeOfflineAccess: "Allows access to request a refresh token.",
}

// IsSystemScope reports whether sc is one of SystemScopes.
func IsSystemScope(sc store.Scope) bool { return IsStandardScope(sc.Name) }

func systemScopeID(asID, name string) string {
	sum := sha256.Sum256([]byte("gatehouse-system-scope:" + asID + ":" + name))
	id := []byte(PrefixScope)
	for _, b := range sum[:17] {
		id = append(id, base62[int(b)%62])
	}
	return string(id)
}

// ListScopes lists a custom server's scopes: the system scopes, then the
// custom ones by name.
func (s *Service) ListScopes(ctx context.Context, asID string) ([]store.Scope, error) {
	as, err := s.GetAuthServer(ctx, asID)
	if err != nil {
		return nil, err
	}
	custom, err := s.Store.ListScopes(ctx, asID)
	if err != nil {
		return nil, err
	}
	return append(SystemScopes(as), custom...), nil
}

// GetScope finds a scope of a custom server by id, system scopes included.
func (s *Service) GetScope(ctx context.Context, asID, id string) (store.Scope, error) {
	as, err := s.GetAuthServer(ctx, asID)
	if err != nil {
		return store.Scope{}, err
	}
	for _, sc := range SystemScopes(as) {
		if sc.ID == id {
			return sc, nil
		}
	}
	return s.Store.GetScope(ctx, asID, id)
}

// CreateScope adds a custom scope to a custom server.
func (s *Service) CreateScope(ctx context.Context, p NewScopeParams) (store.Scope, error) {
	if _, err := s.GetAuthServer(ctx, p.AuthServerID); err != nil {
		return store.Scope{}, err
	}
	sc, err := CreateScope(ctx, s.Store, p, s.now().UTC())
	if err != nil {
		return sc, err
	}
	s.record(ctx, "oauth2.scope.created", "Create OAuth 2.0 scope", scopeTarget(sc))
	return sc, nil
}

// ReplaceScope replaces a custom scope. Renaming is allowed: refresh tokens
// granted under the old name keep it and are not widened.
func (s *Service) ReplaceScope(ctx context.Context, id string, p NewScopeParams) (store.Scope, error) {
	sc, err := s.GetScope(ctx, p.AuthServerID, id)
	if err != nil {
		return sc, err
	}
	if IsSystemScope(sc) {
		return store.Scope{}, Invalid("system", "system scopes cannot be modified")
	}
	if v := p.validate(); v.err() != nil {
		return store.Scope{}, v
	}
	sc.Name, sc.DisplayName, sc.Description, sc.Consent = p.Name, p.DisplayName, p.Description, p.Consent
	sc.Default, sc.Optional, sc.MetadataPublish, sc.LastUpdated = p.Default, p.Optional, p.MetadataPublish, s.now().UTC()
	if err := s.Store.UpdateScope(ctx, sc); err != nil {
		return store.Scope{}, nameTaken(err, "name")
	}
	s.record(ctx, "oauth2.scope.updated", "Update OAuth 2.0 scope", scopeTarget(sc))
	return sc, nil
}

// DeleteScope deletes a custom scope; system scopes cannot be deleted.
func (s *Service) DeleteScope(ctx context.Context, asID, id string) error {
	sc, err := s.GetScope(ctx, asID, id)
	if err != nil {
		return err
	}
	if IsSystemScope(sc) {
		return Invalid("system", "system scopes cannot be deleted")
	}
	if err := s.Store.DeleteScope(ctx, asID, id); err != nil {
		return err
	}
	s.record(ctx, "oauth2.scope.deleted", "Delete OAuth 2.0 scope", scopeTarget(sc))
	return nil
}

func scopeTarget(sc store.Scope) store.EventObject {
	return store.EventObject{ID: sc.ID, Type: "OAuth2Scope", AlternateID: sc.Name, DisplayName: sc.Name}
}
