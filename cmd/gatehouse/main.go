// Command gatehouse is the Gatehouse OAuth 2.0 / OpenID Connect server and
// its administration commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Gatehouse — an OAuth 2.0 / OpenID Connect authorization server.

Usage:
  gatehouse serve [flags]              run the server (--demo seeds an app and a user)
  gatehouse apps create [flags]        register an OIDC app; prints its client id and secret
  gatehouse apps list [flags]          list apps
  gatehouse users create [flags]       create a user
  gatehouse scopes add|list [flags]    define or list custom scopes of an authorization server
  gatehouse keys rotate|list [flags]   rotate (--alg RS256|ES256|EdDSA to switch algorithm) or list an authorization server's signing keys
  gatehouse tokens create|list|revoke make (shown once), list or revoke Management API tokens (SSWS)
  gatehouse migrate up|status [flags]  apply or show database migrations
  gatehouse loadtest [flags]           load-test any OIDC issuer: throughput, latency, errors

Run 'gatehouse COMMAND -h' for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	env := cmdEnv{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = serve(env, rest)
	case "apps":
		err = sub(env, "apps", rest, map[string]func(cmdEnv, []string) error{"create": appsCreate, "list": appsList})
	case "users":
		err = sub(env, "users", rest, map[string]func(cmdEnv, []string) error{"create": usersCreate})
	case "scopes":
		err = sub(env, "scopes", rest, map[string]func(cmdEnv, []string) error{"add": scopesAdd, "list": scopesList})
	case "keys":
		err = sub(env, "keys", rest, map[string]func(cmdEnv, []string) error{"rotate": keysRotate, "list": keysList})
	case "tokens":
		err = sub(env, "tokens", rest, map[string]func(cmdEnv, []string) error{"create": tokensCreate, "list": tokensList, "revoke": tokensRevoke})
	case "migrate":
		err = sub(env, "migrate", rest, map[string]func(cmdEnv, []string) error{"up": migrateUp, "status": migrateStatus})
	case "loadtest":
		err = loadtestCmd(env, rest)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gatehouse: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err == errUsage {
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse: %v\n", err)
		return 1
	}
	return 0
}

type cmdEnv struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// errUsage reports a usage error already explained on stderr.
var errUsage = fmt.Errorf("usage")

func sub(env cmdEnv, name string, args []string, cmds map[string]func(cmdEnv, []string) error) error {
	if len(args) == 0 {
		fmt.Fprintf(env.stderr, "gatehouse %s: a subcommand is required\n\n%s", name, usage)
		return errUsage
	}
	f, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "gatehouse %s: unknown subcommand %q\n\n%s", name, args[0], usage)
		return errUsage
	}
	return f(env, args[1:])
}
