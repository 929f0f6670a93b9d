package e2e_test

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// TestReadmeCurlWalkthrough builds the binary, starts `gatehouse serve
// --demo` as a user would, and runs the README's curl walkthrough verbatim
// (only the port differs), then checks what the README says happens next.
func TestReadmeCurlWalkthrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "grep", "sed", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README walkthrough needs %s, which is not installed", tool)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## Try the Authorization Code flow with curl.*?```sh\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no curl walkthrough block")
	}
	dir := t.TempDir()
	bin, err := testkit.BuildBinary(dir)
	if err != nil {
		t.Fatal(err)
	}
	addr := testkit.FreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := exec.CommandContext(ctx, bin, "serve", "--demo", "--addr", addr, "--database", filepath.Join(dir, "gatehouse.db"))
	srv.Dir = dir
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Wait()
	defer cancel()

	exports := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "export GH_") {
			exports = line
			break
		}
	}
	if exports == "" {
		t.Fatal("serve --demo printed no export line")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	readmeWaitHealthy(t, "http://"+addr+"/healthz")

	script := exports + "\nset -e\n" + strings.ReplaceAll(string(m[1]), "127.0.0.1:8080", addr) + `
echo
echo "REPLAY: $(curl -s -u "$GH_CLIENT_ID:$GH_CLIENT_SECRET" -d grant_type=authorization_code -d "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT" "$BASE/v1/token")"
echo "USERINFO_AFTER_REPLAY: $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ACCESS_TOKEN" "$BASE/v1/userinfo")"
echo "SECOND_AUTHORIZE: $(curl -s -b jar.txt -o /dev/null -w '%{http_code} %{redirect_url}' "$BASE/v1/authorize?$QUERY")"
`
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("walkthrough failed: %v\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{
		`"token_type":"Bearer"`, `"expires_in":3600`, `"scope":"openid profile email"`, `"id_token":"`,
		`"sub":"00u`, `"preferred_username":"demo@example.com"`, `"keys":[{`,
		`REPLAY: {"error":"invalid_grant"`, "USERINFO_AFTER_REPLAY: 401",
		"SECOND_AUTHORIZE: 302 http://localhost:3000/authorization-code/callback?code=",
		`"eventType":"app.oauth2.as.token.grant.access_token"`, `"eventType":"user.session.start"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("walkthrough output lacks %q:\n%s", want, got)
		}
	}
}

func readmeWaitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server at %s did not become healthy", url)
}
