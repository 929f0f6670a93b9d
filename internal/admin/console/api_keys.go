package console

import (
	"context"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Security → API → a server's Keys tab: the signing keys its key set
// publishes, and "Rotate keys", as the Management API's
// …/credentials/keys and …/lifecycle/keyRotate do.

func (c *Console) mountKeys(mux *http.ServeMux) {
	c.get(mux, "GET /admin/api/servers/{as}/keys", c.keyList)
	c.postServer(mux, "POST /admin/api/servers/{as}/keys/rotate", c.keyRotate)
}

type keyListData struct {
	AS   store.AuthServer
	Keys []domain.ServerKey
	// JWKSURI is where the server publishes its public keys.
	JWKSURI string
}

func (c *Console) keyList(w http.ResponseWriter, r *http.Request, p *Page) {
	ctx := r.Context()
	as, err := c.Service.GetAuthServer(ctx, r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	keys, err := c.Service.ListAuthServerKeys(ctx, as.ID, c.publishedKeys)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	p.Title, p.Section, p.Data = as.Name+" · Keys", "api", keyListData{AS: as, Keys: keys, JWKSURI: c.issuerOf(as) + "/v1/keys"}
	c.render(w, p, http.StatusOK, "api_keys.html")
}

// publishedKeys is the JWKS document the server publishes.
func (c *Console) publishedKeys(ctx context.Context, asID string) ([]byte, error) {
	set, err := c.Keys.Get(ctx, asID)
	if err != nil {
		return nil, err
	}
	return set.JWKS, nil
}

// keyRotate rotates at once, as Okta's keyRotate does: the NEXT key signs
// from now on, the ACTIVE one becomes EXPIRED, and a new NEXT key is
// published. postServer then drops this replica's cached key set.
func (c *Console) keyRotate(w http.ResponseWriter, r *http.Request, p *Page) {
	asID := r.PathValue("as")
	if err := c.Service.RotateAuthServerKeys(r.Context(), asID, c.Keys.RotateForce); err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, serverPath(asID, "keys"), "Keys rotated: the next key signs from now on.")
}
