package testkit

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// ConsoleClient is a browser signed in to the Admin Console.
type ConsoleClient struct {
	s     *Server
	HTTP  *http.Client
	Admin store.User
}

// ConsolePage is one answer from the console.
type ConsolePage struct {
	Status   int
	Body     string
	Location string // the redirect target, if any
}

// ConsoleAdmin creates an administrator holding role (domain.RoleSuperAdmin
// or domain.RoleReadOnlyAdmin; "" for none) with login and Password, and
// signs in to the console as them.
func (s *Server) ConsoleAdmin(t testing.TB, loginName, role string) *ConsoleClient {
	t.Helper()
	ctx := context.Background()
	u, err := domain.CreateUser(ctx, s.Store, domain.NewUserParams{
		Login: loginName, FirstName: "Ada", LastName: "Admin", Password: Password,
	}, s.Service.Now())
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		if _, err := s.Service.AssignRole(ctx, u.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	c := &ConsoleClient{s: s, HTTP: Browser(), Admin: u}
	page := c.Get(t, "/admin/signin")
	f, err := s.ParseSignInForm(page.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.SubmitSignIn(c.HTTP, f, loginName, Password)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("console sign-in: status %d", resp.StatusCode)
	}
	return c
}

// Get fetches a console path.
func (c *ConsoleClient) Get(t testing.TB, path string) ConsolePage {
	t.Helper()
	resp, err := c.HTTP.Get(c.s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	return consolePage(t, resp)
}

// Post submits a form to a console path with the session's CSRF token.
func (c *ConsoleClient) Post(t testing.TB, path string, form url.Values) ConsolePage {
	t.Helper()
	return c.PostBody(t, path, "application/x-www-form-urlencoded", strings.NewReader(c.withCSRF(t, form).Encode()))
}

// PostBody submits a body of any type (a multipart form) as is.
func (c *ConsoleClient) PostBody(t testing.TB, path, contentType string, body io.Reader) ConsolePage {
	t.Helper()
	resp, err := c.HTTP.Post(c.s.URL+path, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	return consolePage(t, resp)
}

// CSRF is the token the session's forms carry.
func (c *ConsoleClient) CSRF(t testing.TB) string {
	t.Helper()
	u, _ := url.Parse(c.s.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == login.CSRFCookie {
			return ck.Value
		}
	}
	t.Fatal("no CSRF cookie: fetch a console page first")
	return ""
}

func (c *ConsoleClient) withCSRF(t testing.TB, form url.Values) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	if _, ok := out["csrf_token"]; !ok {
		out.Set("csrf_token", c.CSRF(t))
	}
	return out
}

func consolePage(t testing.TB, resp *http.Response) ConsolePage {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return ConsolePage{Status: resp.StatusCode, Body: string(b), Location: resp.Header.Get("Location")}
}
