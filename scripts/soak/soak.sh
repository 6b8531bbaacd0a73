#!/usr/bin/env bash
# make soak: SOAK_DURATION (default 10m) of mixed load from SOAK_CONCURRENCY
# clients (default 8) against a petarawan serving the boundary files given as
# arguments (the Banten sample) from a database of its own, petarawan_soak,
# loaded on first use with its demo data and H3 cells. The server runs with its
# production defaults but the rate limits (set PETARAWAN_RATE_* to soak with
# others) on a free port from SOAK_PORT (default 18280) up, logging to
# artifacts/soak-server.log; the writes use an editor token made for the
# run and revoked after it. The generator (scripts/soak) prints the report and
# exits 1 when a goal fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ $# -gt 0 ] || { echo "usage: $0 BOUNDARY-FILE..." >&2; exit 2; }
server_url=$(scripts/bootstrap.sh run)
go build -o bin/petarawan ./cmd/petarawan
go build -o bin/petarawan-soak ./scripts/soak
source scripts/lib.sh

ensure_db petarawan_soak "$@"
DATABASE_URL=$(db_url petarawan_soak)
export DATABASE_URL
bin/petarawan h3 recompute --if-stale

port=${SOAK_PORT:-18280}
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done

token=soak-$(date +%Y%m%d-%H%M%S)
secret=$(bin/petarawan token create --role editor "$token" | sed -n 's/^secret: //p')
[ -n "$secret" ] || { echo "soak: token create printed no secret" >&2; exit 1; }

mkdir -p artifacts
log=artifacts/soak-server.log
# Rate limits high enough not to refuse this load, yet checked on every request.
PETARAWAN_ADDR=127.0.0.1:$port PETARAWAN_RATE_WRITES=${PETARAWAN_RATE_WRITES:-100000} \
  PETARAWAN_RATE_HEAVY_READS=${PETARAWAN_RATE_HEAVY_READS:-100000} bin/petarawan serve 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; bin/petarawan token revoke "$token" >/dev/null' EXIT
wait_ready "$port"
# SOAK_FLAGS: more flags for the generator (go run ./scripts/soak -h lists them), such as -abort 0 or -seed 2.
# shellcheck disable=SC2086
SOAK_TOKEN=$secret bin/petarawan-soak -url "http://127.0.0.1:$port" -pid "$pid" \
  -duration "${SOAK_DURATION:-10m}" -concurrency "${SOAK_CONCURRENCY:-8}" ${SOAK_FLAGS:-}
