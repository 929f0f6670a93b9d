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
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is everything `gatehouse serve` needs.
type Config struct {
	// Addr is the listen address, host:port.
	Addr string `yaml:"addr"`
	// BaseURL is the public URL of the server, with no trailing slash: the
	// org server's issuer, and the prefix of every custom server's issuer.
	// Empty means http://{Addr}.
	BaseURL string `yaml:"base_url"`
	// Database is a SQLite file path.
	Database string `yaml:"database"`
	// MasterKey encrypts signing keys at rest. Empty means a key file
	// generated beside the database (MasterKeyFile).
	MasterKey string `yaml:"master_key"`
	// SessionLifetime is how long a sign-in session lasts.
	SessionLifetime time.Duration `yaml:"session_lifetime"`
	// LogLevel is debug, info, warn or error; LogFormat text or json.
	LogLevel  string `yaml:"log_level"`
	LogFormat string `yaml:"log_format"`
	// Demo seeds a ready-to-try app and user on first start.
	Demo bool `yaml:"demo"`
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		Database:        "gatehouse.db",
		SessionLifetime: 2 * time.Hour,
		LogLevel:        "info",
		LogFormat:       "text",
	}
}

// Issuer returns the base URL, defaulting to http://{Addr}.
func (c Config) Issuer() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return "http://" + c.Addr
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
	case strings.Contains(c.Database, "://"):
		errs = append(errs, fmt.Errorf("database %q: only a SQLite file path is supported in this version", redactDSN(c.Database)))
	}
	if c.MasterKey != "" && len(c.MasterKey) < 16 {
		errs = append(errs, errors.New("master_key: must be at least 16 characters (use 32 random bytes, base64)"))
	}
	if c.SessionLifetime < time.Minute || c.SessionLifetime > 30*24*time.Hour {
		errs = append(errs, fmt.Errorf("session_lifetime %s: must be between 1m and 720h", c.SessionLifetime))
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

// Flags registers the serve flags on fs and returns a function that, after
// fs.Parse, builds the configuration: defaults, then the YAML file named by
// --config or GATEHOUSE_CONFIG, then GATEHOUSE_* variables, then the flags
// that were given.
func Flags(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	d := Default()
	var flagCfg Config
	var file string
	fs.StringVar(&file, "config", "", "YAML configuration file (env GATEHOUSE_CONFIG)")
	fs.StringVar(&flagCfg.Addr, "addr", d.Addr, "listen address host:port (env GATEHOUSE_ADDR)")
	fs.StringVar(&flagCfg.BaseURL, "base-url", "", "public base URL, the org issuer (env GATEHOUSE_BASE_URL; default http://{addr})")
	fs.StringVar(&flagCfg.Database, "database", d.Database, "SQLite database file (env GATEHOUSE_DATABASE)")
	fs.StringVar(&flagCfg.MasterKey, "master-key", "", "key that encrypts signing keys at rest (env GATEHOUSE_MASTER_KEY)")
	fs.DurationVar(&flagCfg.SessionLifetime, "session-lifetime", d.SessionLifetime, "sign-in session lifetime (env GATEHOUSE_SESSION_LIFETIME)")
	fs.StringVar(&flagCfg.LogLevel, "log-level", d.LogLevel, "debug, info, warn or error (env GATEHOUSE_LOG_LEVEL)")
	fs.StringVar(&flagCfg.LogFormat, "log-format", d.LogFormat, "text or json (env GATEHOUSE_LOG_FORMAT)")
	fs.BoolVar(&flagCfg.Demo, "demo", false, "seed a ready-to-try app and user (env GATEHOUSE_DEMO)")
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
		if err := applyEnv(&cfg, getenv); err != nil {
			return cfg, err
		}
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "addr":
				cfg.Addr = flagCfg.Addr
			case "base-url":
				cfg.BaseURL = flagCfg.BaseURL
			case "database":
				cfg.Database = flagCfg.Database
			case "master-key":
				cfg.MasterKey = flagCfg.MasterKey
			case "session-lifetime":
				cfg.SessionLifetime = flagCfg.SessionLifetime
			case "log-level":
				cfg.LogLevel = flagCfg.LogLevel
			case "log-format":
				cfg.LogFormat = flagCfg.LogFormat
			case "demo":
				cfg.Demo = flagCfg.Demo
			}
		})
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

func applyEnv(cfg *Config, getenv func(string) string) error {
	var errs []error
	set := func(name string, apply func(string) error) {
		if v := getenv(name); v != "" {
			if err := apply(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	str := func(dst *string) func(string) error { return func(v string) error { *dst = v; return nil } }
	set("GATEHOUSE_ADDR", str(&cfg.Addr))
	set("GATEHOUSE_BASE_URL", str(&cfg.BaseURL))
	set("GATEHOUSE_DATABASE", str(&cfg.Database))
	set("GATEHOUSE_MASTER_KEY", str(&cfg.MasterKey))
	set("GATEHOUSE_LOG_LEVEL", str(&cfg.LogLevel))
	set("GATEHOUSE_LOG_FORMAT", str(&cfg.LogFormat))
	set("GATEHOUSE_SESSION_LIFETIME", func(v string) (err error) {
		cfg.SessionLifetime, err = time.ParseDuration(v)
		return err
	})
	set("GATEHOUSE_DEMO", func(v string) error {
		switch strings.ToLower(v) {
		case "1", "true", "yes":
			cfg.Demo = true
		case "0", "false", "no":
			cfg.Demo = false
		default:
			return fmt.Errorf("%q is not a boolean", v)
		}
		return nil
	})
	return errors.Join(errs...)
}
