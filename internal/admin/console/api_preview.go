package console

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// A server's Token Preview tab: the claims its token endpoint would put in
// the access token and ID token of a request an administrator describes,
// and the policy rule that would allow it (or why none would). It runs
// the token endpoint's own rules (domain.Service.PreviewToken) and builds
// the claims as token.Mint does (token.Preview); nothing is signed or
// stored. The form is a GET: previewing changes nothing, so read-only
// administrators may use it too.

func (c *Console) mountPreview(mux *http.ServeMux) {
	c.get(mux, "GET /admin/api/servers/{as}/preview", c.preview)
}

// previewGrantOptions label domain.PreviewGrantTypes.
var previewGrantOptions = grantChoices(domain.PreviewGrantTypes)

// previewFields maps domain.PreviewToken's field names to the form's.
var previewFields = map[string]string{"client": "client", "grantType": "grant_type", "user": "user", "scopes": "scopes"}

type previewData struct {
	AS      store.AuthServer
	Form    *Form
	Clients []Option
	Grants  []Option
	// Result is the answer to a submitted form; nil before one.
	Result *previewResult
}

// previewResult is a preview as the page shows it.
type previewResult struct {
	domain.TokenPreview
	// AccessJSON and IDJSON are the tokens' claims, pretty-printed;
	// IDJSON is empty without an ID token.
	AccessJSON, IDJSON string
}

func (c *Console) preview(w http.ResponseWriter, r *http.Request, p *Page) {
	ctx := r.Context()
	as, err := c.Service.GetAuthServer(ctx, r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	apps, err := c.appChoices(ctx)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d := previewData{AS: as, Grants: previewGrantOptions, Clients: apps}
	for i, a := range apps {
		d.Clients[i].Label = a.Label + " (" + a.Value + ")"
	}
	query := r.URL.Query()
	p.Title, p.Section, p.Data = as.Name+" · Token Preview", "api", &d
	if !query.Has("grant_type") { // the empty form
		d.Form = formOf(url.Values{"grant_type": {domain.GrantAuthorizationCode}, "scopes": {"openid profile email"}})
		c.render(w, p, http.StatusOK, "api_preview.html")
		return
	}
	d.Form = formOf(query)
	f := d.Form
	pv, err := c.Service.PreviewToken(ctx, domain.TokenPreviewRequest{AuthServerID: as.ID, ClientID: f.Get("client"),
		GrantType: f.Get("grant_type"), UserLogin: f.Get("user"), Scopes: domain.UniqueFields(f.Get("scopes"))})
	if f.Absorb(err, previewFields) {
		c.render(w, p, http.StatusBadRequest, "api_preview.html")
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if d.Result, err = c.previewClaims(pv); err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.render(w, p, http.StatusOK, "api_preview.html")
}

// previewClaims builds the tokens' claims from a preview, as the token
// endpoint's grants fill token.Grant.
func (c *Console) previewClaims(pv domain.TokenPreview) (*previewResult, error) {
	res := &previewResult{TokenPreview: pv}
	if pv.Refused != "" {
		return res, nil
	}
	rule := *pv.Decision.Rule
	g := token.Grant{
		Issuer: c.issuerOf(pv.AuthServer), Audience: pv.AuthServer.Audience, ClientID: pv.App.ClientID, Scopes: pv.Scopes,
		AccessTokenJTI: "preview", AccessTokenLifetime: domain.RuleAccessLifetime(rule),
		AccessClaims: pv.AccessClaims, IDClaims: pv.IDClaims,
	}
	if pv.User != nil {
		g.User, g.IDP, g.AuthTime, g.AMR = *pv.User, domain.OrgID(c.BaseURL), pv.Now, []string{domain.AMRPassword}
	}
	access, id, err := token.Preview(g, pv.Now)
	if err != nil {
		return nil, err
	}
	if res.AccessJSON, err = prettyJSON(access); err != nil {
		return nil, err
	}
	if id != nil {
		if res.IDJSON, err = prettyJSON(id); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func prettyJSON(v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return string(b), err
}
