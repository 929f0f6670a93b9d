package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestStartDebugServesProfilerOnItsOwnListener(t *testing.T) {
	srv, err := StartDebug("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/cmdline"} {
		resp, err := http.Get("http://" + srv.Addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("GET %s: %d, %d bytes", path, resp.StatusCode, len(body))
		}
	}
	resp, err := http.Get("http://" + srv.Addr + "/oauth2/default/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("debug listener serves more than the profiler: %d", resp.StatusCode)
	}
	if _, err := StartDebug(srv.Addr); err == nil || !strings.Contains(err.Error(), "debug listener") {
		t.Errorf("second listener on the same address: %v", err)
	}
}
