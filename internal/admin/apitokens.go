package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// apiTokenJSON is Okta's ApiToken metadata: never the value.
type apiTokenJSON struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	UserID      string          `json:"userId"`
	ClientName  string          `json:"clientName"`
	TokenWindow string          `json:"tokenWindow"`
	Network     map[string]any  `json:"network"`
	ExpiresAt   Time            `json:"expiresAt"`
	Created     Time            `json:"created"`
	LastUpdated Time            `json:"lastUpdated"`
	Links       map[string]Link `json:"_links"`
}

func (a *API) routeAPITokens(mux *http.ServeMux) {
	a.route(mux, "GET /api/v1/api-tokens", a.listAPITokens)
	a.route(mux, "GET /api/v1/api-tokens/{id}", a.getAPIToken)
	a.route(mux, "DELETE /api/v1/api-tokens/{id}", a.revokeAPIToken)
}

func (a *API) apiTokenJSON(t store.APIToken) apiTokenJSON {
	out := apiTokenJSON{
		ID: t.ID, Name: t.Name, UserID: t.UserID, ClientName: "Gatehouse API",
		TokenWindow: isoDays(t.Window), Network: map[string]any{"connection": "ANYWHERE"},
		ExpiresAt: Time(t.ExpiresAt), Created: Time(t.Created), LastUpdated: Time(t.LastUpdated),
		Links: map[string]Link{"self": a.link("/api/v1/api-tokens/"+t.ID, "GET", "DELETE")},
	}
	if t.UserID != "" {
		out.Links["user"] = a.link("/api/v1/users/"+t.UserID, "GET")
	}
	return out
}

// isoDays writes a whole-day duration in ISO 8601 (P30D).
func isoDays(d time.Duration) string {
	return "P" + strconv.Itoa(int(d/(24*time.Hour))) + "D"
}

func (a *API) listAPITokens(w http.ResponseWriter, r *http.Request) error {
	tokens, err := a.st.ListAPITokens(r.Context())
	if err != nil {
		return err
	}
	out := make([]apiTokenJSON, len(tokens))
	for i, t := range tokens {
		out[i] = a.apiTokenJSON(t)
	}
	return a.writePage(w, r, out, "")
}

func (a *API) getAPIToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if id == "current" {
		id = callerToken(r.Context()).ID
	}
	t, err := a.st.GetAPIToken(r.Context(), id)
	if err != nil {
		return found(err, id, "ApiToken")
	}
	return writeJSON(w, http.StatusOK, a.apiTokenJSON(t))
}

func (a *API) revokeAPIToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if id == "current" {
		id = callerToken(r.Context()).ID
	}
	if err := a.svc.RevokeAPIToken(r.Context(), id); err != nil {
		return found(err, id, "ApiToken")
	}
	return noContent(w)
}
