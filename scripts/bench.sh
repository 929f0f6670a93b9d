#!/usr/bin/env bash
# bench.sh reproduces docs/performance.md: it builds Gatehouse, measures the
# RS256 signing rate of one core, starts `gatehouse serve` on SQLite (and on
# PostgreSQL when one is reachable) pinned to that core, puts load on it from
# another core with `gatehouse loadtest`, and writes the report.
#
#   scripts/bench.sh                      # about 15 minutes on 2 cores
#   BENCH_DURATION=1s scripts/bench.sh    # a quick look (each level runs 1 s)
#
# Environment:
#   BENCH_DURATION            how long each concurrency level runs (default 4s)
#   BENCH_OUT                 where the report goes (default docs/performance.md; charts beside it in docs/perf/)
#   GATEHOUSE_BENCH_POSTGRES  a postgres:// DSN to bench on (a fresh schema is made and dropped);
#                             without it GATEHOUSE_TEST_POSTGRES, then the CI DSN
#                             postgres://postgres@127.0.0.1:5432/test?sslmode=disable, are tried
#   GATEHOUSE_BENCH_POSTGRES=off skips PostgreSQL
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${BENCH_DURATION:-4s}
OUT=${BENCH_OUT:-docs/performance.md}
CHARTS=$(dirname "$OUT")/perf
PORT=${BENCH_PORT:-18080}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench.XXXXXX")
SERVER_PID=
PG_ADMIN_DSN=
PG_SCHEMA=

cleanup() {
	if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
	if [[ -n $PG_SCHEMA ]]; then psql -q "$PG_ADMIN_DSN" -c "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null 2>&1 || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '\n== %s\n' "$*" >&2; }

# Pinning: the server on core 0, the load tool (and everything else) on core 1.
if command -v taskset >/dev/null && [[ $(nproc) -ge 2 ]]; then
	PIN_SERVER=(taskset -c 0)
	PIN_LOAD=(taskset -c 1)
	PINNED=yes
else
	PIN_SERVER=()
	PIN_LOAD=()
	PINNED=no
fi

META=$WORK/meta.txt
meta() { printf '%s=%s\n' "$1" "$2" >>"$META"; }

log "building"
go build -o "$WORK/gatehouse" ./cmd/gatehouse
GH=$WORK/gatehouse

meta date "$(date -u +%Y-%m-%dT%H:%MZ)"
meta go "$(go version | awk '{print $3, $4}')"
meta cpu "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || uname -m)"
meta cpus "$(nproc)"
meta kernel "$(uname -sr)"
meta pinned "$PINNED"
meta duration "$DURATION"
meta commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo '+changes')"

log "RS256 signing rate of the server's core"
"${PIN_SERVER[@]}" go test -run '^$' -bench '^BenchmarkSign$' -benchtime 2s ./internal/keys/ | tee "$WORK/sign.txt" >&2
meta sign_ns_op "$(awk '/^BenchmarkSign\/RS256/ {print $3; exit}' "$WORK/sign.txt")"
meta sign_ns_op_ES256 "$(awk '/^BenchmarkSign\/ES256/ {print $3; exit}' "$WORK/sign.txt")"
meta sign_ns_op_EdDSA "$(awk '/^BenchmarkSign\/EdDSA/ {print $3; exit}' "$WORK/sign.txt")"

# vm NAME PID: a line of /proc/PID/status in kB.
vm() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$2/status"; }

# start_server BACKEND DATABASE [untimed]: starts `gatehouse serve` pinned,
# and records the time from exec to the first 200 on /readyz unless a
# third argument is given.
start_server() {
	local backend=$1 db=$2 untimed=${3:-} t0 t1
	t0=$(date +%s%N)
	GATEHOUSE_DATABASE=$db GATEHOUSE_ADDR=127.0.0.1:$PORT \
		"${PIN_SERVER[@]}" "$GH" serve >>"$WORK/$backend-serve.log" 2>&1 &
	SERVER_PID=$!
	until curl -fso /dev/null --max-time 1 "http://127.0.0.1:$PORT/readyz"; do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			cat "$WORK/$backend-serve.log" >&2
			echo "bench: gatehouse serve exited" >&2
			exit 1
		fi
		if (($(date +%s%N) - t0 > 30000000000)); then echo "bench: not ready after 30 s" >&2; exit 1; fi
	done
	t1=$(date +%s%N)
	[[ -n $untimed ]] || meta "$backend.ready_ms" "$(((t1 - t0) / 1000000))"
}

stop_server() {
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

# load BACKEND SCENARIO LEVELS [flags…]: one sweep, JSON lines kept, chart drawn.
load() {
	local backend=$1 scenario=$2 levels=$3
	shift 3
	log "$backend: $scenario at $levels"
	"${PIN_LOAD[@]}" "$GH" loadtest --issuer "http://127.0.0.1:$PORT/oauth2/default" --scenario "$scenario" \
		--concurrency "$levels" --duration "$DURATION" --json --progress=false \
		--svg "$CHARTS/$backend-$scenario.svg" "$@" >>"$WORK/$backend.jsonl" ||
		echo "bench: $backend $scenario failed (kept its partial results)" >&2
}

# load_alg BACKEND DATABASE ALG LEVELS [flags…]: switches the default
# server to ALG (a forced rotation publishes a next key of it, a second one
# makes it sign), restarts the server and loads client credentials; the
# results are named client_credentials-ALG.
load_alg() {
	local backend=$1 db=$2 alg=$3 levels=$4
	shift 4
	stop_server
	GATEHOUSE_DATABASE=$db "$GH" keys rotate --alg "$alg" --force >/dev/null
	GATEHOUSE_DATABASE=$db "$GH" keys rotate --force >/dev/null
	start_server "$backend" "$db" untimed
	log "$backend: client_credentials with $alg at $levels"
	"${PIN_LOAD[@]}" "$GH" loadtest --issuer "http://127.0.0.1:$PORT/oauth2/default" --scenario client_credentials \
		--concurrency "$levels" --duration "$DURATION" --json --progress=false \
		--svg "$CHARTS/$backend-client_credentials-$alg.svg" "$@" |
		jq -c --arg s "client_credentials-$alg" '.scenario = $s' >>"$WORK/$backend.jsonl" ||
		echo "bench: $backend client_credentials with $alg failed (kept its partial results)" >&2
}

bench_backend() {
	local backend=$1 db=$2 out svc_id svc_secret
	: >"$WORK/$backend.jsonl"

	# First start: migrations, keys and the demo app and user; then the
	# service app and a default scope for client credentials.
	log "$backend: seeding"
	out=$(GATEHOUSE_DATABASE=$db GATEHOUSE_ADDR=127.0.0.1:$PORT "$GH" serve --demo 2>"$WORK/$backend-seed.log" &
		pid=$!
		until curl -fso /dev/null --max-time 1 "http://127.0.0.1:$PORT/readyz"; do sleep 0.05; done
		kill $pid
		wait $pid 2>/dev/null || true)
	eval "$(grep -o 'export GH_CLIENT_ID=.*' <<<"$out")"
	out=$(GATEHOUSE_DATABASE=$db "$GH" apps create --name bench-service --type service --json)
	svc_id=$(jq -r .client_id <<<"$out")
	svc_secret=$(jq -r .client_secret <<<"$out")
	GATEHOUSE_DATABASE=$db "$GH" scopes add --name bench --default >/dev/null

	# Later starts, on the existing database: time to ready (three times),
	# then idle memory.
	start_server "$backend" "$db"
	stop_server
	start_server "$backend" "$db"
	stop_server
	start_server "$backend" "$db"
	sleep 2
	meta "$backend.rss_idle_kb" "$(vm VmRSS "$SERVER_PID")"

	export SVC_SECRET=$svc_secret GH_CLIENT_SECRET GH_PASSWORD
	local cc=(--client-id "$svc_id" --client-secret-env SVC_SECRET)
	local web=(--client-id "$GH_CLIENT_ID" --client-secret-env GH_CLIENT_SECRET
		--redirect-uri http://localhost:3000/authorization-code/callback
		--username demo@example.com --password-env GH_PASSWORD)

	# Token work without a password hash first, so that the high-water mark
	# after it is the memory at 256 clients without sign-ins.
	load "$backend" client_credentials 1,8,32,128,256 "${cc[@]}"
	load "$backend" introspect 1,8,32,128,256 "${cc[@]}"
	load "$backend" jwks 1,8,32,128,256
	load "$backend" discovery 1,8,32,128,256
	meta "$backend.rss_load_kb" "$(vm VmHWM "$SERVER_PID")"

	# Sign-ins: each worker is prepared with one (argon2id, 19 MiB each, 8 at once).
	load "$backend" authcode-session 1,8,32,128,256 "${web[@]}"
	load "$backend" code-exchange 1,8,32,128,256 "${web[@]}"
	load "$backend" refresh 1,8,32,128,256 "${web[@]}"
	load "$backend" authcode 1,4,8 "${web[@]}"
	meta "$backend.rss_signin_kb" "$(vm VmHWM "$SERVER_PID")"
	sleep 1
	meta "$backend.rss_after_kb" "$(vm VmRSS "$SERVER_PID")"

	# The faster algorithms, last: they leave the server signing with EdDSA.
	load_alg "$backend" "$db" ES256 1,8,32,128,256 "${cc[@]}"
	load_alg "$backend" "$db" EdDSA 1,8,32,128,256 "${cc[@]}"
	stop_server
	cp "$WORK/$backend.jsonl" "$WORK/results-$backend.jsonl"
}

mkdir -p "$CHARTS"
rm -f "$CHARTS"/*.svg

mkdir -p "$WORK/sqlite"
bench_backend sqlite "$WORK/sqlite/gatehouse.db"
meta backends sqlite

PG_DSN=${GATEHOUSE_BENCH_POSTGRES:-${GATEHOUSE_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}}
if [[ ${GATEHOUSE_BENCH_POSTGRES:-} != off ]] && command -v psql >/dev/null && psql -q "$PG_DSN" -c 'select 1' >/dev/null 2>&1; then
	PG_ADMIN_DSN=$PG_DSN
	PG_SCHEMA=gh_bench_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
	psql -q "$PG_ADMIN_DSN" -c "CREATE SCHEMA $PG_SCHEMA" >/dev/null
	sep='?'
	[[ $PG_DSN == *\?* ]] && sep='&'
	GATEHOUSE_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
	export GATEHOUSE_MASTER_KEY
	meta postgres_version "$(psql -qtA "$PG_ADMIN_DSN" -c 'show server_version')"
	bench_backend postgres "$PG_DSN${sep}search_path=$PG_SCHEMA"
	meta backends sqlite,postgres
else
	echo "bench: no PostgreSQL reachable (set GATEHOUSE_BENCH_POSTGRES); SQLite only" >&2
fi

log "writing $OUT"
go run ./scripts/perfreport --meta "$META" --results "$WORK" --charts "$(basename "$CHARTS")" >"$OUT"
echo "bench: wrote $OUT and $CHARTS/" >&2
