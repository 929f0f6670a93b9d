package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// maxBodyBytes bounds a Management API request body.
const maxBodyBytes = 1 << 20

// decodeJSON reads the request body into v. Unknown fields are ignored, as
// Okta ignores them; a body that is not JSON is E0000003; a value of the
// wrong type is E0000001 naming the field.
func decodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return apierr.New(apierr.APIMalformedBody, "")
	}
	if len(body) > maxBodyBytes {
		return apierr.New(apierr.APIMalformedBody, "The request body is too large.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return domain.Invalid(te.Field, fmt.Sprintf("must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value))
		}
		return apierr.New(apierr.APIMalformedBody, "")
	}
	return nil
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "bool":
		return "a boolean"
	case goKind == "string":
		return "a string"
	case goKind == "slice":
		return "an array"
	}
	return "an object"
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// noContent answers 204.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Time is a timestamp as Okta writes it: RFC 3339 in UTC with
// milliseconds; the zero time is null.
type Time time.Time

// MarshalJSON writes t as Okta does.
func (t Time) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

// UnmarshalJSON reads an RFC 3339 timestamp or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	*t = Time(v)
	return nil
}

// Link is a HAL link.
type Link struct {
	Href  string `json:"href"`
	Name  string `json:"name,omitempty"`
	Hints *Hints `json:"hints,omitempty"`
}

// Hints lists the methods a link allows.
type Hints struct {
	Allow []string `json:"allow"`
}

// link is an absolute link to path (which starts with /api/v1 or
// /oauth2) allowing methods (none: no hints).
func (a *API) link(path string, methods ...string) Link {
	l := Link{Href: a.baseURL + path}
	if len(methods) > 0 {
		l.Hints = &Hints{Allow: methods}
	}
	return l
}

// notFound is Okta's E0000007 for an unknown object.
func notFound(id, kind string) error {
	return apierr.Newf(apierr.NotFound, "Not found: Resource not found: %s (%s)", id, kind)
}

// found turns store.ErrNotFound into notFound(id, kind).
func found(err error, id, kind string) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound(id, kind)
	}
	return err
}

type tokenKey struct{}

func withToken(ctx context.Context, t store.APIToken) context.Context {
	return context.WithValue(ctx, tokenKey{}, t)
}

// callerToken is the API token of the request being served.
func callerToken(ctx context.Context) store.APIToken {
	t, _ := ctx.Value(tokenKey{}).(store.APIToken)
	return t
}
