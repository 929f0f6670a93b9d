package domain

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// The Token Preview of a custom authorization server: what its token
// endpoint would do with a request, told without issuing anything. It
// runs the rules the token endpoint runs (UserGrantScopes,
// ClientCredentialsScopes, CheckClientGrant, EvaluatePolicy,
// ClaimSet.TokenClaims), reading the store afresh rather than through the
// endpoints' caches.

// PreviewGrantTypes are the grant types a preview can try: those the
// token endpoint serves.
var PreviewGrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}

// AMRPassword is the amr value (RFC 8176) of a password sign-in, the only
// kind Gatehouse's sign-in pages make; a previewed user grant comes from one.
const AMRPassword = "pwd"

// policyDeniedDescription is the token endpoint's access_denied
// description for a request no rule allows.
const policyDeniedDescription = "Policy evaluation failed for this request, please check the policy configurations."

// TokenPreviewRequest is a token request an administrator tries out.
type TokenPreviewRequest struct {
	AuthServerID string
	ClientID     string
	GrantType    string
	// UserLogin is the resource owner of a user grant (ignored for client
	// credentials).
	UserLogin string
	// Scopes are the scopes requested; none asks client credentials for
	// the server's default scopes.
	Scopes []string
}

// TokenPreview is what the token endpoint would answer.
type TokenPreview struct {
	AuthServer store.AuthServer
	App        store.App
	User       *store.User // nil for client credentials
	// Scopes are the scopes the tokens would carry.
	Scopes []string
	// Decision is the access policy's verdict (no policy for a refusal
	// that comes before it).
	Decision PolicyDecision
	// Refused is why the token endpoint would refuse the request, with
	// RefusedCode its OAuth error; empty when tokens would be issued.
	Refused, RefusedCode string
	// AccessClaims and IDClaims are the custom claims the tokens would
	// carry (IDClaims nil without an ID token); ClaimErrors are the claims
	// that would be left out because they fail.
	AccessClaims, IDClaims map[string]any
	ClaimErrors            []string
	// Now is when the preview was made: the tokens' iat and auth_time.
	Now time.Time
}

// PreviewToken answers req as the server's token endpoint would. Input the
// form must correct (an unknown client or user, a missing user, a scope
// the endpoint refuses) is a *ValidationError on the fields grantType,
// client, user and scopes; a request the endpoint would refuse for the
// configuration (the app's grant types, the user's status or assignment,
// the access policy) is a preview with Refused set.
func (s *Service) PreviewToken(ctx context.Context, req TokenPreviewRequest) (TokenPreview, error) {
	p := TokenPreview{Now: s.now().UTC()}
	as, err := s.GetAuthServer(ctx, req.AuthServerID)
	if err != nil {
		return p, err
	}
	p.AuthServer = as
	v, err := s.previewParties(ctx, req, &p)
	if err != nil {
		return p, err
	}
	custom, err := s.Store.ListScopes(ctx, as.ID)
	if err != nil {
		return p, err
	}
	if req.GrantType == GrantClientCredentials {
		p.Scopes, err = ClientCredentialsScopes(req.Scopes, custom)
	} else {
		p.Scopes, err = UserGrantScopes(req.Scopes, custom)
	}
	var scopeErr *ScopeError
	if errors.As(err, &scopeErr) {
		v.add("scopes", scopeErr.Description)
	} else if err != nil {
		return p, err
	}
	if err := v.err(); err != nil {
		return p, err
	}
	if refused, err := s.previewRefusal(ctx, &p, req.GrantType); refused || err != nil {
		return p, err
	}
	return p, s.previewClaims(ctx, &p)
}

// previewParties finds the app and, for a user grant, the user; the
// problems it finds with them are in v.
func (s *Service) previewParties(ctx context.Context, req TokenPreviewRequest, p *TokenPreview) (v *ValidationError, err error) {
	v = &ValidationError{}
	if !slices.Contains(PreviewGrantTypes, req.GrantType) {
		v.add("grantType", "must be one of "+strings.Join(PreviewGrantTypes, ", "))
	}
	switch {
	case req.ClientID == "":
		v.add("client", "Choose a client.")
	default:
		if p.App, err = s.Store.GetApp(ctx, req.ClientID); isNotFound(err) {
			v.add("client", "No app has this client ID.")
		} else if err != nil {
			return nil, err
		}
	}
	if req.GrantType != GrantClientCredentials {
		switch login := strings.TrimSpace(req.UserLogin); {
		case login == "":
			v.add("user", "A user grant needs a user: enter their login.")
		default:
			u, err := s.Store.GetUserByLogin(ctx, login)
			switch {
			case isNotFound(err):
				v.add("user", "No user has this login.")
			case err != nil:
				return nil, err
			default:
				p.User = &u
			}
		}
	}
	return v, nil
}

// previewRefusal fills in the refusal the token endpoint would answer
// before issuing, in the order it checks: the client, the user, the
// access policy.
func (s *Service) previewRefusal(ctx context.Context, p *TokenPreview, grantType string) (bool, error) {
	refuse := func(code, why string) (bool, error) {
		p.RefusedCode, p.Refused = code, why
		return true, nil
	}
	if p.App.Status != store.StatusActive {
		return refuse("invalid_client", "The client is not valid: the app is "+strings.ToLower(p.App.Status)+".")
	}
	var grantErr *ClientGrantError
	if err := CheckClientGrant(p.App, grantType); errors.As(err, &grantErr) {
		return refuse("unauthorized_client", grantErr.Description)
	}
	req := PolicyRequest{ClientID: p.App.ClientID, GrantType: grantType, Scopes: p.Scopes}
	if p.User != nil {
		if p.User.Status != store.StatusActive {
			return refuse("invalid_grant", "The user is not active.")
		}
		assigned, err := s.Store.UserAssigned(ctx, p.App.ClientID, p.User.ID)
		if err != nil {
			return false, err
		}
		if !assigned {
			return refuse("access_denied", "The user is not assigned to the client application.")
		}
		groups, err := s.Store.ListUserGroups(ctx, p.User.ID)
		if err != nil {
			return false, err
		}
		req.UserID = p.User.ID
		for _, g := range groups {
			req.GroupIDs = append(req.GroupIDs, g.ID)
		}
	}
	pols, err := s.Store.ListAccessPolicies(ctx, p.AuthServer.ID)
	if err != nil {
		return false, err
	}
	rules, err := s.Store.ListPolicyRules(ctx, p.AuthServer.ID, "")
	if err != nil {
		return false, err
	}
	p.Decision = ExplainPolicy(NewPolicySet(pols, rules), req)
	if p.Decision.Rule == nil {
		return refuse("access_denied", policyDeniedDescription)
	}
	return false, nil
}

// previewClaims evaluates the server's custom claims for the grant.
func (s *Service) previewClaims(ctx context.Context, p *TokenPreview) error {
	claims, err := s.Store.ListClaims(ctx, p.AuthServer.ID)
	if err != nil {
		return err
	}
	env := ClaimEnv(nil, p.App.ClientID, nil, nil)
	if p.User != nil {
		env = ClaimEnv(p.User, p.App.ClientID, []string{AMRPassword}, UserGroups(ctx, s.Store, p.User.ID))
	}
	var errs []error
	p.AccessClaims, p.IDClaims, errs = NewClaimSet(claims).TokenClaims(p.Scopes, env, p.User != nil)
	for _, e := range errs {
		p.ClaimErrors = append(p.ClaimErrors, e.Error())
	}
	return nil
}

// PolicyDecision is EvaluatePolicy's verdict with its reasons.
type PolicyDecision struct {
	// Evaluated is false when the request was refused before its policy
	// was judged.
	Evaluated bool
	// Policy is the policy that decided: the first active one that covers
	// the client; nil when none does.
	Policy *store.AccessPolicy
	// Rule is the rule that allows the request; nil when it is denied.
	Rule *store.PolicyRule
	// Misses say, for a denied request, why each active rule of Policy
	// did not match.
	Misses []RuleMiss
}

// RuleMiss is why one rule did not match a request.
type RuleMiss struct {
	Rule    string
	Reasons []string
}

// ExplainPolicy judges req with EvaluatePolicy and says why: which policy
// decided, which rule allowed the request, or why each rule did not.
func ExplainPolicy(set *PolicySet, req PolicyRequest) PolicyDecision {
	d := PolicyDecision{Evaluated: true}
	pr := set.policyFor(req.ClientID)
	if pr == nil {
		return d
	}
	policy := pr.policy
	d.Policy = &policy
	if rule, ok := EvaluatePolicy(set, req); ok {
		d.Rule = &rule
		return d
	}
	for _, r := range pr.rules {
		miss := RuleMiss{Rule: r.Name}
		if !ruleAllowsGrant(r, req.GrantType) {
			miss.Reasons = append(miss.Reasons, "it does not allow the "+req.GrantType+" grant (it allows "+strings.Join(r.GrantTypes, ", ")+")")
		}
		if !ruleAllowsScopes(r, req.Scopes) {
			var outside []string
			for _, s := range req.Scopes {
				if !slices.Contains(r.Scopes, s) {
					outside = append(outside, s)
				}
			}
			miss.Reasons = append(miss.Reasons, "it does not allow the scopes "+strings.Join(outside, ", "))
		}
		if req.UserID != "" && !ruleAllowsUser(r, req.UserID, req.GroupIDs) {
			miss.Reasons = append(miss.Reasons, "the user is not among its users and groups, or is excluded")
		}
		d.Misses = append(d.Misses, miss)
	}
	return d
}
