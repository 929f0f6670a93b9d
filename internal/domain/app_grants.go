package domain

import "slices"

// AllowedGrantTypes lists the grants an app of appType may have (none for
// an unknown type), so that a form offers only those the app may take.
func AllowedGrantTypes(appType string) []string {
	return slices.Clone(grantsByType[appType].allowed)
}
