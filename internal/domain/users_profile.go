package domain

import (
	"encoding/json"
	"maps"
	"sort"
	"strings"
	"unicode"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Profile limits: Okta's login and email are at most 100 characters; the
// other strings and the custom attributes as a whole are bounded too.
const (
	maxLoginLength      = 100
	maxAttributeLength  = 1024
	maxCustomProfileLen = 64 << 10
)

// Okta's wording for the usual profile problems.
const (
	msgBlank      = "The field cannot be left blank"
	msgPattern    = "Does not match required pattern"
	msgLoginTaken = "An object with this field already exists in the current organization"
)

// applyProfile writes profile (attribute name to JSON value) onto u. A
// replace clears every attribute not sent; a merge keeps them. A null
// value removes an attribute. Problems are added to v.
func applyProfile(u *store.User, profile map[string]any, replace bool, v *ValidationError) {
	if replace {
		for _, a := range store.ProfileAttributes {
			*a.Field(u) = ""
		}
		u.Profile = nil
	}
	custom := maps.Clone(u.Profile)
	names := make([]string, 0, len(profile))
	for name := range profile {
		names = append(names, name)
	}
	sort.Strings(names) // problems in a stable order
	for _, name := range names {
		value := profile[name]
		if a, ok := store.BaseAttribute(name); ok {
			switch s := value.(type) {
			case nil:
				*a.Field(u) = ""
			case string:
				if len(s) > maxAttributeLength {
					v.add(name, "must be at most 1024 characters")
				}
				*a.Field(u) = s
			default:
				v.add(name, "must be a string")
			}
			continue
		}
		if !validAttrName(name) {
			v.add(name, "is not a valid attribute name: letters, digits and _ only, starting with a letter")
			continue
		}
		if value == nil {
			delete(custom, name)
			continue
		}
		if custom == nil {
			custom = map[string]any{}
		}
		custom[name] = value
	}
	if len(custom) == 0 {
		custom = nil
	}
	u.Profile = custom
	if b, _ := json.Marshal(custom); len(b) > maxCustomProfileLen {
		v.add("profile", "custom attributes must take at most 64 KiB as JSON")
	}
	u.Login, u.Email = strings.TrimSpace(u.Login), strings.TrimSpace(u.Email)
	checkProfile(*u, v)
}

// checkProfile applies Okta's default profile rules: login, email,
// firstName and lastName are required, login has no spaces and emails
// look like emails.
func checkProfile(u store.User, v *ValidationError) {
	switch {
	case u.Login == "":
		v.add("login", msgBlank)
	case len(u.Login) > maxLoginLength || strings.IndexFunc(u.Login, unicode.IsSpace) >= 0:
		v.add("login", "must be at most 100 characters without spaces")
	}
	switch {
	case u.Email == "":
		v.add("email", msgBlank)
	case !looksLikeEmail(u.Email):
		v.add("email", msgPattern)
	}
	if u.SecondEmail != "" && !looksLikeEmail(u.SecondEmail) {
		v.add("secondEmail", msgPattern)
	}
	if strings.TrimSpace(u.FirstName) == "" {
		v.add("firstName", msgBlank)
	}
	if strings.TrimSpace(u.LastName) == "" {
		v.add("lastName", msgBlank)
	}
}

// looksLikeEmail accepts local@domain without spaces, with a dot in the
// domain or a single-label domain, at most 100 characters.
func looksLikeEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && len(s) <= maxLoginLength &&
		!strings.Contains(domain, "@") && strings.IndexFunc(s, unicode.IsSpace) < 0 &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// UserProfile is a user's profile as Okta writes it: every base attribute
// that has a value, then the custom attributes. login and email are always
// present.
func UserProfile(u store.User) map[string]any {
	out := make(map[string]any, len(store.ProfileAttributes)+len(u.Profile))
	for k, v := range u.Profile {
		out[k] = v
	}
	for _, a := range store.ProfileAttributes {
		if s := *a.Field(&u); s != "" || a.Name == "login" || a.Name == "email" {
			out[a.Name] = s
		}
	}
	return out
}
