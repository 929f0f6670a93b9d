package httpx_test

import (
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/httpx"
)

const form = "application/x-www-form-urlencoded"

func newRequest(method, contentType, query, body string) *http.Request {
	r := &http.Request{
		Method: method,
		URL:    &url.URL{Path: "/oauth2/default/v1/token", RawQuery: query},
		Header: http.Header{},
		Body:   io.NopCloser(strings.NewReader(body)),
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// expect is the oracle: what Params must answer for these sources, parsed
// independently. ok=false means a *ParamError is required.
func expect(sources ...string) (map[string]string, bool) {
	all := url.Values{}
	for _, src := range sources {
		v, err := url.ParseQuery(src)
		if err != nil {
			return nil, false
		}
		for k, vals := range v {
			all[k] = append(all[k], vals...)
		}
	}
	out := map[string]string{}
	for k, vals := range all {
		if len(vals) != 1 || len(vals[0]) > httpx.MaxParamBytes {
			return nil, false
		}
		out[k] = vals[0]
	}
	return out, true
}

func isForm(contentType string) bool {
	ct, _, err := mime.ParseMediaType(contentType)
	return err == nil && ct == form
}

func checkParams(t *testing.T, name string, got map[string]string, err error, want map[string]string, wantOK bool) *httpx.ParamError {
	t.Helper()
	var pe *httpx.ParamError
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("%s: error %T %v is not a *ParamError", name, err, err)
	}
	switch {
	case wantOK && err != nil:
		t.Fatalf("%s: refused valid parameters %q: %v", name, want, err)
	case !wantOK && err == nil:
		t.Fatalf("%s: accepted parameters that must be refused: %q", name, got)
	case wantOK && !maps.Equal(got, want):
		t.Fatalf("%s: got %q, want %q", name, got, want)
	}
	if pe != nil {
		if pe.Message == "" {
			t.Fatalf("%s: ParamError without a message", name)
		}
		for _, c := range pe.Message {
			if c < 0x20 || c == 0x7f || c == '<' || c == '>' {
				t.Fatalf("%s: message %q echoes an unsafe character", name, pe.Message)
			}
		}
	}
	return pe
}

func FuzzParams(f *testing.F) {
	big := strings.Repeat("a", httpx.MaxParamBytes+1)
	f.Add("POST", form, "", "grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb")
	f.Add("POST", form+"; charset=UTF-8", "", "grant_type=client_credentials&scope=okta.users.read")
	f.Add("POST", form, "grant_type=client_credentials&scope=okta.users.read", "")
	f.Add("POST", form, "code=q", "code=b")
	f.Add("POST", form, "", "code=a&code=b")
	f.Add("POST", form, "", "code=a&CODE=b")
	f.Add("POST", form, "", "code="+big)
	f.Add("POST", form, "", "code="+big[:httpx.MaxParamBytes])
	f.Add("POST", form, "", strings.Repeat("x", httpx.MaxBodyBytes+1))
	f.Add("POST", form, "", "a="+strings.Repeat("b", httpx.MaxBodyBytes-2))
	f.Add("POST", form, "", "a=%zz")
	f.Add("POST", form, "", "a=1;b=2")
	f.Add("POST", form, "", "%00=%01&%7f=\x00\x1b[31m")
	f.Add("POST", form, "", "caf%C3%A9=%E2%98%83&bad=%ff%fe")
	f.Add("POST", form, "", "&&=&a&=b&")
	f.Add("POST", form, "", "<script>=x&'\"=1&'\"=2")
	f.Add("POST", "application/json", "", `{"grant_type":"authorization_code"}`)
	f.Add("POST", "", "", "a=b")
	f.Add("POST", "multipart/form-data; boundary=x", "", "--x--")
	f.Add("POST", "application/x-www-form-urlencoded; charset", "", "a=b")
	f.Add("GET", "", "client_id=0oa123&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&scope=openid+profile&state=s", "")
	f.Add("GET", "", "state=1&state=2", "")
	f.Add("GET", "", "state=1&state=1", "")
	f.Add("GET", "", "nonce="+big, "")
	f.Add("GET", "", "a=%", "")
	f.Add("HEAD", "", "a=b", "ignored")
	f.Add("PUT", form, "", "a=b")
	f.Add("", "", "", "")
	f.Add("get", "", "a=b", "")

	f.Fuzz(func(t *testing.T, method, contentType, query, body string) {
		switch method {
		case http.MethodGet, http.MethodHead:
			want, ok := expect(query)
			for _, allow := range []bool{false, true} {
				got, err := httpx.Params(newRequest(method, contentType, query, body), allow)
				checkParams(t, "Params "+method, got, err, want, ok)
			}
		case http.MethodPost:
			for _, allow := range []bool{false, true} {
				got, err := httpx.Params(newRequest(method, contentType, query, body), allow)
				if !isForm(contentType) {
					checkParams(t, "Params POST non-form", got, err, nil, false)
					continue
				}
				if len(body) > httpx.MaxBodyBytes {
					pe := checkParams(t, "Params POST oversized", got, err, nil, false)
					if !pe.TooLarge {
						t.Fatalf("a %d-byte body was refused without TooLarge: %v", len(body), err)
					}
					continue
				}
				var want map[string]string
				var ok bool
				if allow && body == "" {
					want, ok = expect(query) // an empty body takes the query's parameters
				} else {
					want, ok = expect(body)
				}
				if pe := checkParams(t, "Params POST", got, err, want, ok); pe != nil && pe.TooLarge {
					t.Fatalf("a %d-byte body was marked TooLarge", len(body))
				}
			}
		default:
			got, err := httpx.Params(newRequest(method, contentType, query, body), true)
			checkParams(t, "Params "+method, got, err, nil, false)
		}
		// Query ignores the method and the body.
		want, ok := expect(query)
		got, err := httpx.Query(newRequest(method, contentType, query, body))
		checkParams(t, "Query", got, err, want, ok)
	})
}
