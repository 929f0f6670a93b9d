package domain

import (
	"context"
	"regexp"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// OIDCAppName is Okta's name for every custom OpenID Connect app, the
// only kind Gatehouse has.
const OIDCAppName = "oidc_client"

// appFilterClause is one `attribute eq "value"` of an apps filter.
var appFilterClause = regexp.MustCompile(`^\s*([A-Za-z.]+)\s+eq\s+"([^"\\]*)"\s*$`)

// andSplit splits an apps filter on its "and" operators (any case).
var andSplit = regexp.MustCompile(`(?i)\s+and\s+`)

// ListApps returns one page of apps (Limit+1 rows), narrowed by q (the
// label, or Okta's app name oidc_client, starts with it, ignoring case)
// and by filter: clauses `status eq "ACTIVE"`, `name eq "oidc_client"`,
// `user.id eq "00u…"` and `group.id eq "00g…"` joined by and. A filter
// that does not parse is a *SearchError.
func (s *Service) ListApps(ctx context.Context, q, filter string, p store.Page) ([]store.App, error) {
	var f store.AppFilter
	none := false
	if q = strings.TrimSpace(q); q != "" && !strings.HasPrefix(OIDCAppName, strings.ToLower(q)) {
		f.LabelPrefix = q
	}
	if strings.TrimSpace(filter) != "" {
		if len(filter) > 1024 {
			return nil, &SearchError{"Invalid search criteria: the filter is too long"}
		}
		for _, clause := range andSplit.Split(strings.TrimSpace(filter), -1) {
			m := appFilterClause.FindStringSubmatch(clause)
			if m == nil {
				return nil, &SearchError{`Invalid search criteria: apps filter clauses have the form attribute eq "value", joined by and`}
			}
			switch attr, value := m[1], m[2]; attr {
			case "status":
				if value != store.StatusActive && value != store.StatusInactive {
					return nil, &SearchError{"Invalid search criteria: status must be ACTIVE or INACTIVE"}
				}
				none = none || (f.Status != "" && f.Status != value)
				f.Status = value
			case "name":
				none = none || value != OIDCAppName
			case "user.id":
				none = none || (f.UserID != "" && f.UserID != value)
				f.UserID = value
			case "group.id":
				none = none || (f.GroupID != "" && f.GroupID != value)
				f.GroupID = value
			default:
				return nil, &SearchError{"Invalid search criteria: apps can be filtered by status, name, user.id and group.id"}
			}
		}
	}
	if none {
		return nil, nil
	}
	return s.Store.SearchApps(ctx, f, p)
}
