#!/usr/bin/env bash
# make bench: a load run on loopback against a petarawan serving Banten (and
# all of Indonesia when ../shared/data/indonesia/desa.geojson.gz is present),
# printing req/s and p50/p95/p99 beside PostGIS's own time for the same queries,
# vector tiles (z8-z14 over Banten, z5-z10 over Indonesia) cold from a second
# server without a tile cache and warm from the cache, with their sizes per zoom,
# the time of a full scoring run per phase, and the latency of single
# observation writes (each rescoring its desa and the units above it), the H3
# recompute, and the H3, hotspot and planner endpoints.
# Each data set gets its own database (petarawan_bench_*), loaded once.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
server_url=$(scripts/bootstrap.sh run)
national=${PETARAWAN_NATIONAL_FILE:-$root/../shared/data/indonesia/desa.geojson.gz}
port=${BENCH_PORT:-18080}
duration=${BENCH_DURATION:-10s}
concurrency=${BENCH_CONCURRENCY:-4}
# No rate limits: the bench measures what requests cost, not how many are let through.
export PETARAWAN_RATE_WRITES=0 PETARAWAN_RATE_HEAVY_READS=0
go build -o bin/petarawan ./cmd/petarawan
go build -o bin/petarawan-bench ./cmd/petarawan-bench

source scripts/lib.sh

# A full scoring run of every phase, timed per phase.
score() { # name
  echo "== full scoring run of $1"
  DATABASE_URL=$(db_url "$1") /usr/bin/time -f "score: %e s wall, %M KB max RSS" bin/petarawan score
}

# The H3 recompute (every resolution up to $2), timed.
h3() { # name max-res
  echo "== h3 recompute of $1 (res 5-$2)"
  DATABASE_URL=$(db_url "$1") /usr/bin/time -f "h3 recompute: %e s wall, %M KB max RSS" bin/petarawan h3 recompute --max-res "$2"
}

# One request repeated: median, min and max of curl's total time, and the size.
timed() { # label url [curl args...]
  local label=$1 url=$2; shift 2
  local times=() size=0
  for _ in $(seq "${BENCH_REPEAT:-11}"); do
    read -r t size < <(curl -s -o /dev/null -w '%{time_total} %{size_download}\n' -H 'Accept-Encoding: gzip' "$@" "$url")
    times+=("$t")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" -v size="$size" '
    { t[NR] = $1 * 1000 } END { printf "%-44s median %7.1f ms  (min %.1f, max %.1f, %d runs)  %d bytes gzipped\n", label, t[int((NR + 1) / 2)], t[1], t[NR], NR, size }'
}

# The H3, hotspot and planner endpoints, one client at a time.
bench_planning() { # port area kabupaten res
  local api="http://127.0.0.1:$1"
  echo "== H3, hotspots and the planner ($2; kabupaten $3 at res $4)"
  timed "/h3/7 (all)" "$api/h3/7"
  timed "/h3/$4?area=$3" "$api/h3/$4?area=$3"
  timed "/hotspots?area=$2 (desa, Gi*)" "$api/hotspots?area=$2"
  timed "/hotspots?area=$3&unit=h3&res=$4" "$api/hotspots?area=$3&unit=h3&res=$4"
  timed "/areas/$3/summary" "$api/areas/$3/summary"
  timed "POST /plan/deployment {areas: [$2]}" "$api/plan/deployment" -X POST -H 'Content-Type: application/json' \
    -d "{\"available\": 1300, \"areas\": [\"$2\"]}"
}

bench() { # name label tile-zooms area kabupaten res
  local url; url=$(db_url "$1")
  local cold_port=$((port + 1))
  DATABASE_URL=$url PETARAWAN_ADDR=127.0.0.1:$port PETARAWAN_STATEMENT_TIMEOUT=60s bin/petarawan serve 2>/dev/null &
  local pid=$!
  trap 'kill $pid 2>/dev/null' EXIT
  wait_ready "$port"
  # The same database served without a tile cache, for cold tiles.
  DATABASE_URL=$url PETARAWAN_ADDR=127.0.0.1:$cold_port PETARAWAN_STATEMENT_TIMEOUT=60s PETARAWAN_TILE_CACHE_MB=0 bin/petarawan serve 2>/dev/null &
  local cold_pid=$!
  trap 'kill $pid $cold_pid 2>/dev/null' EXIT
  wait_ready "$cold_port"
  bin/petarawan-bench -api "http://127.0.0.1:$port" -api-cold "http://127.0.0.1:$cold_port" -tile-zooms "$3" \
    -db "$url" -duration "$duration" -concurrency "$concurrency" -label "$2"
  bench_planning "$port" "$4" "$5" "$6"
  kill $pid $cold_pid; wait $pid $cold_pid 2>/dev/null || true
  trap - EXIT
}

ensure_db petarawan_bench_banten testdata/banten/desa.geojson.gz testdata/banten/kecamatan.geojson.gz testdata/banten/kabupaten.geojson.gz
score petarawan_bench_banten
h3 petarawan_bench_banten 9
bench petarawan_bench_banten "Banten" 8-14 36 36.02 8
if [ -f "$national" ]; then
  ensure_db petarawan_bench_indonesia "$national"
  score petarawan_bench_indonesia
  national_res=${BENCH_H3_MAX_RES_NATIONAL:-7} # res 8 and 9 of all Indonesia take far longer (README)
  h3 petarawan_bench_indonesia "$national_res"
  bench petarawan_bench_indonesia "Indonesia" 5-10 33 33.74 "$national_res"
else
  echo "national file $national is absent: Indonesia skipped"
fi

# Go benchmarks of the write path and a full scoring, each on a private copy of Banten.
echo "== Go benchmarks (data package, Banten)"
PETARAWAN_TEST_DATABASE_URL=$server_url go test -run '^$' -bench . -benchtime 50x ./data
