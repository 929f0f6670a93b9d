package console

import "github.com/gatehouse-auth/gatehouse/internal/domain"

// grantLabels names the OAuth grant types as Okta's console does: those an
// app, a policy rule (domain.PolicyGrantTypes) or a token preview may name.
var grantLabels = map[string]string{
	domain.GrantAuthorizationCode: "Authorization Code",
	domain.GrantClientCredentials: "Client Credentials",
	domain.GrantRefreshToken:      "Refresh Token",
	"implicit":                    "Implicit (hybrid)",
	"password":                    "Resource Owner Password",
	"urn:ietf:params:oauth:grant-type:device_code":    "Device Authorization",
	"urn:ietf:params:oauth:grant-type:token-exchange": "Token Exchange",
	"urn:ietf:params:oauth:grant-type:jwt-bearer":     "JWT Bearer",
	"urn:ietf:params:oauth:grant-type:saml2-bearer":   "SAML 2.0 Assertion",
	"interaction_code":                  "Interaction Code",
	"urn:openid:params:grant-type:ciba": "Client-Initiated Backchannel Authentication (CIBA)",
}

func grantLabel(g string) string { return orDefault(grantLabels[g], g) }

// grantChoices are the choices of the grant types given, labelled.
func grantChoices(grants []string) []Option {
	out := make([]Option, len(grants))
	for i, g := range grants {
		out[i] = Option{g, grantLabel(g)}
	}
	return out
}
