package admin

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Client secrets (/api/v1/apps/{appId}/credentials/secrets): an app holds
// up to two, so that one can be rotated without downtime.

// appSecretJSON is Okta's OAuth2ClientSecret. client_secret appears only
// in the answer that created it; secret_hash is an opaque hint (see
// domain.SecretHint), not the stored hash.
type appSecretJSON struct {
	ID           string          `json:"id"`
	Status       string          `json:"status"`
	ClientSecret string          `json:"client_secret,omitempty"`
	SecretHash   string          `json:"secret_hash"`
	Created      Time            `json:"created"`
	LastUpdated  Time            `json:"lastUpdated"`
	Links        map[string]Link `json:"_links"`
}

// appSecretInput is the body of a secret creation (both fields optional).
type appSecretInput struct {
	ClientSecret string `json:"client_secret"`
	Status       string `json:"status"`
}

func (a *API) routeAppSecrets(mux *http.ServeMux) {
	const base = "/api/v1/apps/{appId}/credentials/secrets"
	a.route(mux, "GET "+base, a.listAppSecrets)
	a.route(mux, "POST "+base, a.createAppSecret)
	a.route(mux, "GET "+base+"/{secretId}", a.getAppSecret)
	a.route(mux, "DELETE "+base+"/{secretId}", a.appChange(a.deleteAppSecret))
	a.route(mux, "POST "+base+"/{secretId}/lifecycle/activate", a.appChange(a.appSecretLifecycle(true)))
	a.route(mux, "POST "+base+"/{secretId}/lifecycle/deactivate", a.appChange(a.appSecretLifecycle(false)))
}

func (a *API) appSecretJSON(sec store.AppSecret, value string) appSecretJSON {
	base := "/api/v1/apps/" + sec.ClientID + "/credentials/secrets/" + sec.ID
	links := map[string]Link{}
	if sec.Status == store.StatusActive {
		links["deactivate"] = a.link(base+"/lifecycle/deactivate", "POST")
	} else {
		links["activate"] = a.link(base+"/lifecycle/activate", "POST")
		links["delete"] = a.link(base, "DELETE")
	}
	return appSecretJSON{ID: sec.ID, Status: sec.Status, ClientSecret: value, SecretHash: domain.SecretHint(sec),
		Created: Time(sec.Created), LastUpdated: Time(sec.LastUpdated), Links: links}
}

func (a *API) listAppSecrets(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("appId")
	secrets, err := a.svc.ListAppSecrets(r.Context(), id)
	if err != nil {
		return found(err, id, "AppInstance")
	}
	out := make([]appSecretJSON, len(secrets))
	for i, sec := range secrets {
		out[i] = a.appSecretJSON(sec, "")
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) createAppSecret(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("appId")
	var in appSecretInput
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	created, err := a.svc.CreateAppSecret(r.Context(), id, in.ClientSecret, in.Status)
	if err != nil {
		return found(err, id, "AppInstance")
	}
	return writeJSON(w, http.StatusCreated, a.appSecretJSON(created.Secret, created.Value))
}

func (a *API) getAppSecret(w http.ResponseWriter, r *http.Request) error {
	id, secretID := r.PathValue("appId"), r.PathValue("secretId")
	if _, err := a.st.GetApp(r.Context(), id); err != nil {
		return found(err, id, "AppInstance")
	}
	sec, err := a.st.GetAppSecret(r.Context(), id, secretID)
	if err != nil {
		return found(err, secretID, "OAuth2ClientSecret")
	}
	return writeJSON(w, http.StatusOK, a.appSecretJSON(sec, ""))
}

// secretFound names the missing object: the app, or else the secret.
func (a *API) secretFound(r *http.Request, err error) error {
	id, secretID := r.PathValue("appId"), r.PathValue("secretId")
	if _, appErr := a.st.GetApp(r.Context(), id); appErr != nil {
		return found(err, id, "AppInstance")
	}
	return found(err, secretID, "OAuth2ClientSecret")
}

func (a *API) deleteAppSecret(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.DeleteAppSecret(r.Context(), r.PathValue("appId"), r.PathValue("secretId")); err != nil {
		return a.secretFound(r, err)
	}
	return noContent(w)
}

func (a *API) appSecretLifecycle(activate bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		change := a.svc.DeactivateAppSecret
		if activate {
			change = a.svc.ActivateAppSecret
		}
		sec, err := change(r.Context(), r.PathValue("appId"), r.PathValue("secretId"))
		if err != nil {
			return a.secretFound(r, err)
		}
		return writeJSON(w, http.StatusOK, a.appSecretJSON(sec, ""))
	}
}
