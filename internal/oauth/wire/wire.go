// Package wire holds the JSON shapes Gatehouse puts on the wire, with the
// field names Okta uses: token responses, token claims, discovery documents
// and error bodies. It has no logic, so the shapes can be pinned by golden
// tests and shared by every package that speaks them.
package wire

// TokenResponse is the /token success body (RFC 6749 §5.1, Okta's field set).
type TokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	AccessToken  string `json:"access_token"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

// OAuthError is the RFC 6749 §5.2 error body.
type OAuthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// OktaError is the Management-API style error body Okta also uses for
// unknown resources on the OAuth paths.
type OktaError struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []ErrorCause `json:"errorCauses"`
}

// ErrorCause is one entry of OktaError.ErrorCauses.
type ErrorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

// IDTokenClaims are the claims of an ID token, in Okta's order. Profile and
// email claims are released by scope.
type IDTokenClaims struct {
	Sub               string   `json:"sub"`
	Name              string   `json:"name,omitempty"`
	Email             string   `json:"email,omitempty"`
	Ver               int      `json:"ver"`
	Iss               string   `json:"iss"`
	Aud               string   `json:"aud"`
	Iat               int64    `json:"iat"`
	Exp               int64    `json:"exp"`
	Jti               string   `json:"jti"`
	AMR               []string `json:"amr"`
	IDP               string   `json:"idp"`
	Nonce             string   `json:"nonce,omitempty"`
	PreferredUsername string   `json:"preferred_username,omitempty"`
	AuthTime          int64    `json:"auth_time"`
	AtHash            string   `json:"at_hash,omitempty"`
}

// AccessTokenClaims are the claims of a JWT access token, as Okta's custom
// authorization servers issue them. Sub is the user's login (the client id
// when there is no user); UID is absent then.
type AccessTokenClaims struct {
	Ver      int      `json:"ver"`
	Jti      string   `json:"jti"`
	Iss      string   `json:"iss"`
	Aud      string   `json:"aud"`
	Iat      int64    `json:"iat"`
	Exp      int64    `json:"exp"`
	Cid      string   `json:"cid"`
	UID      string   `json:"uid,omitempty"`
	Scp      []string `json:"scp"`
	AuthTime int64    `json:"auth_time,omitempty"`
	Sub      string   `json:"sub"`
}

// Address is the OIDC Core §5.1.1 address claim.
type Address struct {
	StreetAddress string `json:"street_address,omitempty"`
	Locality      string `json:"locality,omitempty"`
	Region        string `json:"region,omitempty"`
	PostalCode    string `json:"postal_code,omitempty"`
	Country       string `json:"country,omitempty"`
}

// UserInfo is the /userinfo body; members appear as the token's scopes allow.
type UserInfo struct {
	Sub               string   `json:"sub"`
	Name              string   `json:"name,omitempty"`
	GivenName         string   `json:"given_name,omitempty"`
	FamilyName        string   `json:"family_name,omitempty"`
	PreferredUsername string   `json:"preferred_username,omitempty"`
	Locale            string   `json:"locale,omitempty"`
	Zoneinfo          string   `json:"zoneinfo,omitempty"`
	UpdatedAt         int64    `json:"updated_at,omitempty"`
	Email             string   `json:"email,omitempty"`
	EmailVerified     *bool    `json:"email_verified,omitempty"`
	Address           *Address `json:"address,omitempty"`
	PhoneNumber       string   `json:"phone_number,omitempty"`
}

// Discovery is the OpenID Provider Metadata (OIDC Discovery §3) and OAuth
// Authorization Server Metadata (RFC 8414 §2) document, with Okta's fields.
type Discovery struct {
	Issuer                                    string   `json:"issuer"`
	AuthorizationEndpoint                     string   `json:"authorization_endpoint"`
	TokenEndpoint                             string   `json:"token_endpoint"`
	UserinfoEndpoint                          string   `json:"userinfo_endpoint,omitempty"`
	JWKSURI                                   string   `json:"jwks_uri"`
	IntrospectionEndpoint                     string   `json:"introspection_endpoint"`
	RevocationEndpoint                        string   `json:"revocation_endpoint"`
	EndSessionEndpoint                        string   `json:"end_session_endpoint"`
	ResponseTypesSupported                    []string `json:"response_types_supported"`
	ResponseModesSupported                    []string `json:"response_modes_supported"`
	GrantTypesSupported                       []string `json:"grant_types_supported"`
	SubjectTypesSupported                     []string `json:"subject_types_supported,omitempty"`
	IDTokenSigningAlgValuesSupported          []string `json:"id_token_signing_alg_values_supported,omitempty"`
	ScopesSupported                           []string `json:"scopes_supported"`
	TokenEndpointAuthMethodsSupported         []string `json:"token_endpoint_auth_methods_supported"`
	ClaimsSupported                           []string `json:"claims_supported"`
	CodeChallengeMethodsSupported             []string `json:"code_challenge_methods_supported"`
	IntrospectionEndpointAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	// The algorithms accepted for client assertions (RFC 8414 §2).
	TokenEndpointAuthSigningAlgValuesSupported         []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	IntrospectionEndpointAuthSigningAlgValuesSupported []string `json:"introspection_endpoint_auth_signing_alg_values_supported,omitempty"`
	RevocationEndpointAuthSigningAlgValuesSupported    []string `json:"revocation_endpoint_auth_signing_alg_values_supported,omitempty"`
	AuthorizationResponseIssParameterSupp              bool     `json:"authorization_response_iss_parameter_supported"`
	RequestParameterSupported                          bool     `json:"request_parameter_supported"`
	ClaimsParameterSupported                           bool     `json:"claims_parameter_supported"`
}
