// Package config is Gatehouse's configuration: one typed struct with
// defaults, loaded from an optional YAML file, GATEHOUSE_* environment
// variables and command-line flags (in that order of precedence, lowest
// first), and a Validate that reports every problem at once.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultMemoryLimitMB keeps a server's resident memory under 120 MB: the
// live heap of a busy server is a few tens of MiB, and password hashing
// (argon2id, 19 MiB each) is what pushes it up. Measured with 128 clients
// signing in on one core: a high-water mark of 163 MB without a limit,
// 133 MB at 96 MiB, 101 MB at 64 MiB (the collector then used 7% of the
// CPU; at 48 MiB 15% for no further gain).
const DefaultMemoryLimitMB = 64

// Config is everything `gatehouse serve` needs.
type Config struct {
	// Addr is the listen address, host:port.
	Addr string `yaml:"addr"`
	// BaseURL is the public URL of the server, with no trailing slash: the
	// org server's issuer, and the prefix of every custom server's issuer.
	// Empty means http://{Addr}.
	BaseURL string `yaml:"base_url"`
	// Database is a SQLite file path or a postgres:// DSN.
	Database string `yaml:"database"`
	// DatabaseMaxConns and DatabaseMaxIdleConns size the PostgreSQL pool.
	DatabaseMaxConns     int `yaml:"database_max_conns"`
	DatabaseMaxIdleConns int `yaml:"database_max_idle_conns"`
	// MaxInflight bounds the requests served at once; those over it are
	// answered at once with 503 and Retry-After. 0 means 64 per CPU.
	MaxInflight int `yaml:"max_inflight"`
	// MemoryLimitMB is the Go runtime's soft memory limit in MiB: the
	// collector works harder as the heap nears it, and returns freed
	// memory to the system. 0 turns it off; GOMEMLIMIT, when set, wins.
	MemoryLimitMB int `yaml:"memory_limit_mb"`
	// DebugAddr, when set, serves Go's profiler (net/http/pprof) on this
	// loopback address, apart from the public listener. Empty means off.
	DebugAddr string `yaml:"debug_addr"`
	// MasterKey encrypts signing keys at rest. Empty means a key file
	// generated beside the database (MasterKeyFile).
	MasterKey string `yaml:"master_key"`
	// SessionLifetime is how long a sign-in session lasts.
	SessionLifetime time.Duration `yaml:"session_lifetime"`
	// RefreshTokenGrace is how long a rotated-out refresh token still works.
	RefreshTokenGrace time.Duration `yaml:"refresh_token_grace"`
	// KeyRotationInterval rotates signing keys when the current one is this
	// old; 0 turns automatic rotation off.
	KeyRotationInterval time.Duration `yaml:"key_rotation_interval"`
	// LogLevel is debug, info, warn or error; LogFormat text or json.
	LogLevel  string `yaml:"log_level"`
	LogFormat string `yaml:"log_format"`
	// Demo seeds a ready-to-try app and user on first start.
	Demo bool `yaml:"demo"`
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr:                 "127.0.0.1:8080",
		Database:             "gatehouse.db",
		DatabaseMaxConns:     20,
		DatabaseMaxIdleConns: 10,
		MemoryLimitMB:        DefaultMemoryLimitMB,
		SessionLifetime:      2 * time.Hour,
		RefreshTokenGrace:    30 * time.Second,
		KeyRotationInterval:  90 * 24 * time.Hour,
		LogLevel:             "info",
		LogFormat:            "text",
	}
}

// Issuer returns the base URL, defaulting to http://{Addr}.
func (c Config) Issuer() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return "http://" + c.Addr
}

// IsPostgres reports whether Database names a PostgreSQL server.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://")
}

// MasterKeyFile is where a generated master key is kept when none is set.
func (c Config) MasterKeyFile() string { return c.Database + ".masterkey" }

// Validate reports every invalid value, one per line.
func (c Config) Validate() error {
	var errs []error
	if host, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		errs = append(errs, fmt.Errorf("addr %q: must be host:port", c.Addr))
	} else if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		if _, err := net.LookupHost(host); err != nil {
			errs = append(errs, fmt.Errorf("addr %q: unknown host", c.Addr))
		}
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			errs = append(errs, fmt.Errorf("base_url %q: must be an absolute http or https URL", c.BaseURL))
		case u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.Trim(u.Path, "/") != "":
			errs = append(errs, fmt.Errorf("base_url %q: must be an origin only (scheme, host, port), with no path, query or fragment", c.BaseURL))
		}
	}
	switch {
	case c.Database == "":
		errs = append(errs, errors.New("database: must be set"))
	case c.IsPostgres():
		if u, err := url.Parse(c.Database); err != nil || u.Host == "" {
			errs = append(errs, fmt.Errorf("database %q: not a valid postgres:// DSN", redactDSN(c.Database)))
		}
		if c.MasterKey == "" {
			errs = append(errs, errors.New("master_key: required with PostgreSQL, so that every replica decrypts the same signing keys"))
		}
	case strings.Contains(c.Database, "://"):
		errs = append(errs, fmt.Errorf("database %q: must be a SQLite file path or a postgres:// DSN", redactDSN(c.Database)))
	}
	if c.DatabaseMaxConns < 1 || c.DatabaseMaxConns > 1000 {
		errs = append(errs, fmt.Errorf("database_max_conns %d: must be between 1 and 1000", c.DatabaseMaxConns))
	}
	if c.DatabaseMaxIdleConns < 0 || c.DatabaseMaxIdleConns > c.DatabaseMaxConns {
		errs = append(errs, fmt.Errorf("database_max_idle_conns %d: must be between 0 and database_max_conns", c.DatabaseMaxIdleConns))
	}
	if c.MemoryLimitMB < 0 || c.MemoryLimitMB > 1<<20 {
		errs = append(errs, fmt.Errorf("memory_limit_mb %d: must be between 0 (no limit) and 1048576", c.MemoryLimitMB))
	} else if c.MemoryLimitMB > 0 && c.MemoryLimitMB < 32 {
		errs = append(errs, fmt.Errorf("memory_limit_mb %d: under 32 the collector would run all the time; use 0 for no limit", c.MemoryLimitMB))
	}
	if c.DebugAddr != "" {
		if host, port, err := net.SplitHostPort(c.DebugAddr); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("debug_addr %q: must be host:port", c.DebugAddr))
		} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			// Profiles show what the process holds in memory: never on a
			// public interface.
			errs = append(errs, fmt.Errorf("debug_addr %q: must be a loopback address (127.0.0.1, ::1 or localhost)", c.DebugAddr))
		}
	}
	if c.MaxInflight < 0 || c.MaxInflight > 1_000_000 {
		errs = append(errs, fmt.Errorf("max_inflight %d: must be between 0 (64 per CPU) and 1000000", c.MaxInflight))
	}
	if c.MasterKey != "" && len(c.MasterKey) < 16 {
		errs = append(errs, errors.New("master_key: must be at least 16 characters (use 32 random bytes, base64)"))
	}
	if c.SessionLifetime < time.Minute || c.SessionLifetime > 30*24*time.Hour {
		errs = append(errs, fmt.Errorf("session_lifetime %s: must be between 1m and 720h", c.SessionLifetime))
	}
	if c.RefreshTokenGrace < 0 || c.RefreshTokenGrace > time.Minute {
		errs = append(errs, fmt.Errorf("refresh_token_grace %s: must be between 0s and 60s", c.RefreshTokenGrace))
	}
	if c.KeyRotationInterval != 0 && c.KeyRotationInterval < time.Hour {
		errs = append(errs, fmt.Errorf("key_rotation_interval %s: must be 0 (off) or at least 1h", c.KeyRotationInterval))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q: must be debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log_format %q: must be text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable)"
	}
	return u.Redacted()
}

// setting ties one Config field to its flag and environment variable.
type setting struct {
	flag, env, usage string
	field            func(*Config) any // a pointer to the field: *string, *bool, *int or *time.Duration
}

var settings = []setting{
	{"addr", "GATEHOUSE_ADDR", "listen address `host:port`", func(c *Config) any { return &c.Addr }},
	{"base-url", "GATEHOUSE_BASE_URL", "public base `URL`, the org issuer (default http://{addr})", func(c *Config) any { return &c.BaseURL }},
	{"database", "GATEHOUSE_DATABASE", "SQLite database file or postgres:// `DSN`", func(c *Config) any { return &c.Database }},
	{"database-max-conns", "GATEHOUSE_DATABASE_MAX_CONNS", "PostgreSQL pool: open connections at most", func(c *Config) any { return &c.DatabaseMaxConns }},
	{"database-max-idle-conns", "GATEHOUSE_DATABASE_MAX_IDLE_CONNS", "PostgreSQL pool: idle connections kept", func(c *Config) any { return &c.DatabaseMaxIdleConns }},
	{"max-inflight", "GATEHOUSE_MAX_INFLIGHT", "requests served at once; more get an immediate 503 (0 = 64 per CPU)", func(c *Config) any { return &c.MaxInflight }},
	{"memory-limit-mb", "GATEHOUSE_MEMORY_LIMIT_MB", "Go soft memory limit in MiB (0 = none; GOMEMLIMIT wins)", func(c *Config) any { return &c.MemoryLimitMB }},
	{"debug-addr", "GATEHOUSE_DEBUG_ADDR", "serve Go's profiler (/debug/pprof/) on this loopback `host:port` (default off)", func(c *Config) any { return &c.DebugAddr }},
	{"master-key", "GATEHOUSE_MASTER_KEY", "`key` that encrypts signing keys at rest", func(c *Config) any { return &c.MasterKey }},
	{"session-lifetime", "GATEHOUSE_SESSION_LIFETIME", "sign-in session `lifetime`", func(c *Config) any { return &c.SessionLifetime }},
	{"refresh-token-grace", "GATEHOUSE_REFRESH_TOKEN_GRACE", "how long a rotated-out refresh token still works (0s-60s)", func(c *Config) any { return &c.RefreshTokenGrace }},
	{"key-rotation-interval", "GATEHOUSE_KEY_ROTATION_INTERVAL", "rotate signing keys when the current one is this old (0 = never)", func(c *Config) any { return &c.KeyRotationInterval }},
	{"log-level", "GATEHOUSE_LOG_LEVEL", "log `level`: debug, info, warn or error", func(c *Config) any { return &c.LogLevel }},
	{"log-format", "GATEHOUSE_LOG_FORMAT", "log `format`: text or json", func(c *Config) any { return &c.LogFormat }},
	{"demo", "GATEHOUSE_DEMO", "seed a ready-to-try app and user", func(c *Config) any { return &c.Demo }},
}

// set parses raw into the field that ptr points at.
func set(ptr any, raw string) error {
	switch p := ptr.(type) {
	case *string:
		*p = raw
	case *bool:
		v, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not a boolean", raw)
		}
		*p = v
	case *int:
		v, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		*p = v
	case *time.Duration:
		v, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 90m or 2h", raw)
		}
		*p = v
	}
	return nil
}

// rawFlag records a flag's text; it is parsed after the file and the
// environment are applied, so that flags win.
type rawFlag struct {
	value  string
	isBool bool
}

func (f *rawFlag) String() string     { return f.value }
func (f *rawFlag) Set(v string) error { f.value = v; return nil }
func (f *rawFlag) IsBoolFlag() bool   { return f.isBool }

// Flags registers the serve flags on fs and returns a function that, after
// fs.Parse, builds the configuration: defaults, then the YAML file named by
// --config or GATEHOUSE_CONFIG, then GATEHOUSE_* variables, then the flags
// that were given.
func Flags(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	var file string
	fs.StringVar(&file, "config", "", "YAML configuration file (env GATEHOUSE_CONFIG)")
	def := Default()
	raws := make([]*rawFlag, len(settings))
	for i, st := range settings {
		raws[i] = &rawFlag{}
		switch p := st.field(&def).(type) {
		case *bool:
			raws[i].isBool = true // shown without a default: false is the zero value
		case *string:
			raws[i].value = *p
		case *int:
			raws[i].value = strconv.Itoa(*p)
		case *time.Duration:
			raws[i].value = p.String()
		}
		fs.Var(raws[i], st.flag, st.usage+" (env "+st.env+")")
	}
	return func() (Config, error) {
		cfg := Default()
		if file == "" {
			file = getenv("GATEHOUSE_CONFIG")
		}
		if file != "" {
			if err := loadFile(file, &cfg); err != nil {
				return cfg, err
			}
		}
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		var errs []error
		for i, st := range settings {
			if v := getenv(st.env); v != "" {
				if err := set(st.field(&cfg), v); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", st.env, err))
				}
			}
			if given[st.flag] {
				if err := set(st.field(&cfg), raws[i].value); err != nil {
					errs = append(errs, fmt.Errorf("--%s: %w", st.flag, err))
				}
			}
		}
		if len(errs) > 0 {
			return cfg, errors.Join(errs...)
		}
		return cfg, cfg.Validate()
	}
}

func loadFile(path string, cfg *Config) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}
