package domain

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Okta's app setting values Gatehouse knows.
const (
	ConsentTrusted     = "TRUSTED"
	RotationRotate     = "ROTATE"
	RotationStatic     = "STATIC"
	DefaultLeeway      = 30
	maxProfileBytes    = 64 << 10
	maxSettingsURILen  = 1024
	secretHintByteSize = 12
)

var appIssuerModes = []string{IssuerModeOrgURL, IssuerModeCustomURL, IssuerModeDynamic}

// checkSettings validates an app's descriptive settings and fills in
// Okta's defaults.
func checkSettings(v *ValidationError, s store.AppSettings, appType string) store.AppSettings {
	switch s.ConsentMethod {
	case "":
		s.ConsentMethod = ConsentTrusted
	case ConsentTrusted:
	case "REQUIRED":
		v.add("consent_method", "REQUIRED is not supported: Gatehouse shows no consent page, its apps are trusted (TRUSTED)")
	default:
		v.add("consent_method", "must be TRUSTED")
	}
	if s.IssuerMode == "" {
		s.IssuerMode = IssuerModeOrgURL
	} else if !slices.Contains(appIssuerModes, s.IssuerMode) {
		v.add("issuer_mode", "must be ORG_URL, CUSTOM_URL or DYNAMIC")
	}
	for field, raw := range map[string]string{"client_uri": s.ClientURI, "logo_uri": s.LogoURI, "policy_uri": s.PolicyURI,
		"tos_uri": s.TosURI, "initiate_login_uri": s.InitiateLoginURI} {
		if msg := checkHTTPURL(raw); msg != "" {
			v.add(field, msg)
		}
	}
	switch s.RefreshRotation {
	case "":
		s.RefreshRotation = RotationStatic
		if appType == AppTypeBrowser {
			s.RefreshRotation = RotationRotate
		}
	case RotationRotate, RotationStatic:
	default:
		v.add("refresh_token.rotation_type", "must be ROTATE or STATIC")
	}
	if s.RefreshLeeway == nil {
		leeway := DefaultLeeway
		s.RefreshLeeway = &leeway
	} else if *s.RefreshLeeway < 0 || *s.RefreshLeeway > 60 {
		v.add("refresh_token.leeway", "must be 0 to 60 seconds")
	}
	if s.AutoKeyRotation == nil {
		auto := true
		s.AutoKeyRotation = &auto
	}
	if len(s.Profile) > 0 {
		if len(s.Profile) > maxProfileBytes {
			v.add("profile", fmt.Sprintf("must be at most %d KiB", maxProfileBytes>>10))
		} else if !isJSONObject(s.Profile) {
			v.add("profile", "must be a JSON object")
		}
	}
	return s
}

// EffectiveSettings returns an app's settings with Okta's defaults for
// those it lacks (apps made before the settings were kept).
func EffectiveSettings(app store.App) store.AppSettings {
	var v ValidationError
	return checkSettings(&v, app.Settings, app.Type)
}

// checkHTTPURL returns why raw (optional) cannot be an app's link, or "".
func checkHTTPURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	switch {
	case len(raw) > maxSettingsURILen:
		return fmt.Sprintf("must be at most %d characters", maxSettingsURILen)
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return "must be an absolute http or https URL: " + raw
	}
	return ""
}

func isJSONObject(raw []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && m != nil && bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{"))
}

// SecretHint is what the Management API shows of a secret (Okta's
// secret_hash): an identifier that tells an app's secrets apart. It is the
// first 96 bits, base64url, of an HMAC-SHA-256 of the stored hash keyed
// with the secret's random hint key, which is never shown: unlike a plain
// hash of the secret, it cannot be used to test guesses of the secret
// offline, nor to match a secret in hand.
func SecretHint(sec store.AppSecret) string {
	if sec.HintKey == "" || sec.Hash == "" {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(sec.HintKey))
	mac.Write([]byte(sec.Hash))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:secretHintByteSize])
}

// AppSecretMatches reports whether value is one of an app's ACTIVE
// secrets. Every hash is compared, in constant time, whichever matches:
// the time taken tells nothing about which secret, or how much of one,
// was right.
func AppSecretMatches(value string, app store.App) bool {
	hashes := app.SecretHashes
	if len(hashes) == 0 && app.SecretHash != "" {
		hashes = []string{app.SecretHash}
	}
	got := []byte(HashSecret(value))
	match := 0
	for _, h := range hashes {
		if len(h) == len(got) {
			match |= subtle.ConstantTimeCompare(got, []byte(h))
		}
	}
	return match == 1
}
