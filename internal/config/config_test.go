package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	build := Flags(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return build()
}

func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "gatehouse.yaml")
	os.WriteFile(file, []byte("addr: 127.0.0.1:7000\nlog_level: warn\ndatabase: from-file.db\nsession_lifetime: 30m\n"), 0o600)
	cfg, err := load(t, []string{"--config", file, "--addr", "127.0.0.1:9000"},
		map[string]string{"GATEHOUSE_ADDR": "127.0.0.1:8000", "GATEHOUSE_DATABASE": "from-env.db"})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "127.0.0.1:9000", Database: "from-env.db", LogLevel: "warn", LogFormat: "text",
		SessionLifetime: 30 * time.Minute, DatabaseMaxConns: 20, DatabaseMaxIdleConns: 10,
		RefreshTokenGrace: 30 * time.Second, KeyRotationInterval: 90 * 24 * time.Hour, MemoryLimitMB: DefaultMemoryLimitMB}
	if cfg != want {
		t.Errorf("got %+v\nwant %+v", cfg, want)
	}
	if got := cfg.Issuer(); got != "http://127.0.0.1:9000" {
		t.Errorf("issuer %q", got)
	}
}

func TestDefaultsAreValid(t *testing.T) {
	cfg, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg != Default() {
		t.Errorf("got %+v", cfg)
	}
}

func TestInvalidValuesAreAllReported(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"bad addr", []string{"--addr", "nonsense"}, nil, []string{`addr "nonsense"`}},
		{"base url with path", []string{"--base-url", "https://id.example.com/auth"}, nil, []string{"base_url"}},
		{"base url not http", []string{"--base-url", "ftp://x"}, nil, []string{"base_url"}},
		{"postgres without master key", []string{"--database", "postgres://u:secret@h/db"}, nil, []string{"master_key: required with PostgreSQL"}},
		{"unknown dsn scheme", []string{"--database", "mysql://u:secret@h/db"}, nil, []string{"database", "xxxxx"}},
		{"bad pool sizes", []string{"--database-max-conns", "0", "--database-max-idle-conns", "-1"}, nil,
			[]string{"database_max_conns 0", "database_max_idle_conns -1"}},
		{"negative max inflight", nil, map[string]string{"GATEHOUSE_MAX_INFLIGHT": "-1"}, []string{"max_inflight -1"}},
		{"debug addr on a public interface", []string{"--debug-addr", "0.0.0.0:6060"}, nil, []string{`debug_addr "0.0.0.0:6060": must be a loopback`}},
		{"memory limit too small", []string{"--memory-limit-mb", "8"}, nil, []string{"memory_limit_mb 8"}},
		{"memory limit negative", nil, map[string]string{"GATEHOUSE_MEMORY_LIMIT_MB": "-1"}, []string{"memory_limit_mb -1"}},
		{"debug addr without port", nil, map[string]string{"GATEHOUSE_DEBUG_ADDR": "127.0.0.1"}, []string{"debug_addr"}},
		{"pool size not a number", nil, map[string]string{"GATEHOUSE_DATABASE_MAX_CONNS": "many"}, []string{"GATEHOUSE_DATABASE_MAX_CONNS"}},
		{"short master key", []string{"--master-key", "short"}, nil, []string{"master_key"}},
		{"bad env level and format", nil, map[string]string{"GATEHOUSE_LOG_LEVEL": "loud", "GATEHOUSE_LOG_FORMAT": "xml"},
			[]string{`log_level "loud"`, `log_format "xml"`}},
		{"bad env duration", nil, map[string]string{"GATEHOUSE_SESSION_LIFETIME": "forever"}, []string{"GATEHOUSE_SESSION_LIFETIME"}},
		{"bad env bool", nil, map[string]string{"GATEHOUSE_DEMO": "maybe"}, []string{"GATEHOUSE_DEMO"}},
		{"session too short", []string{"--session-lifetime", "1s"}, nil, []string{"session_lifetime"}},
		{"grace too long", []string{"--refresh-token-grace", "5m"}, nil, []string{"refresh_token_grace 5m0s"}},
		{"rotation too often", nil, map[string]string{"GATEHOUSE_KEY_ROTATION_INTERVAL": "10m"}, []string{"key_rotation_interval 10m0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.args, tt.env)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks a DSN password: %q", err)
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknown, []byte("adr: 127.0.0.1:1\n"), 0o600)
	empty := filepath.Join(dir, "empty.yaml")
	os.WriteFile(empty, nil, 0o600)
	if _, err := load(t, []string{"--config", unknown}, nil); err == nil || !strings.Contains(err.Error(), "adr") {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := load(t, []string{"--config", filepath.Join(dir, "missing.yaml")}, nil); err == nil {
		t.Error("missing file accepted")
	}
	if _, err := load(t, nil, map[string]string{"GATEHOUSE_CONFIG": empty}); err != nil {
		t.Errorf("empty file: %v", err)
	}
}
