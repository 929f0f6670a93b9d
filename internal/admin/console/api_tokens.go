package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Security → API → Tokens: the Management API tokens (SSWS). A token
// made here acts for the administrator who made it, with their role, and
// ends with their access; its value is shown once, on the answer to the
// POST that made it.

// mountAPITokens registers Security → API tokens.
func (c *Console) mountAPITokens(mux *http.ServeMux) {
	c.get(mux, "GET /admin/api/tokens", c.apiTokenList)
	c.post(mux, "POST /admin/api/tokens", c.apiTokenCreate)
	c.post(mux, "POST /admin/api/tokens/{id}/revoke", c.apiTokenRevoke)
}

type apiTokensData struct {
	Tokens []apiTokenRow
	Form   *Form
	// New is the token just made; its value is shown on this page only.
	New *domain.NewAPIToken
}

// apiTokenRow is a token with the login of the administrator it acts for.
type apiTokenRow struct {
	store.APIToken
	Owner string
}

func (c *Console) apiTokenList(w http.ResponseWriter, r *http.Request, p *Page) {
	c.renderAPITokens(w, r, p, http.StatusOK, formOf(url.Values{}), nil)
}

func (c *Console) renderAPITokens(w http.ResponseWriter, r *http.Request, p *Page, status int, f *Form, created *domain.NewAPIToken) {
	tokens, err := c.Service.Store.ListAPITokens(r.Context())
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d := apiTokensData{Form: f, New: created}
	for _, t := range tokens {
		owner, err := c.tokenOwner(r.Context(), t.UserID)
		if err != nil {
			c.fail(w, r, p, err)
			return
		}
		d.Tokens = append(d.Tokens, apiTokenRow{APIToken: t, Owner: owner})
	}
	p.Title, p.Section, p.Data = "API Tokens", "tokens", d
	c.render(w, p, status, "api_tokens.html")
}

// tokenOwner is the login of the administrator a token acts for: "" for a
// token made from the command line, the id for a user deleted since.
func (c *Console) tokenOwner(ctx context.Context, userID string) (string, error) {
	if userID == "" {
		return "", nil
	}
	u, err := c.Service.Store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return userID, nil
	}
	return u.Login, err
}

func (c *Console) apiTokenCreate(w http.ResponseWriter, r *http.Request, p *Page) {
	f := newForm(r)
	created, err := c.Service.CreateAPIToken(r.Context(), f.Get("name"), p.Admin.User.ID)
	if f.Absorb(err, map[string]string{"name": "name"}) {
		c.renderAPITokens(w, r, p, http.StatusBadRequest, f, nil)
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	// The value is on this one answer only: Gatehouse keeps its hash.
	p.Flash = "Token “" + created.Token.Name + "” created. Copy its value now: it is shown only once."
	c.renderAPITokens(w, r, p, http.StatusCreated, formOf(url.Values{}), &created)
}

func (c *Console) apiTokenRevoke(w http.ResponseWriter, r *http.Request, p *Page) {
	if err := c.Service.RevokeAPIToken(r.Context(), r.PathValue("id")); err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, "/admin/api/tokens", "Token revoked: it no longer works.")
}
