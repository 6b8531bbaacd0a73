# Shell functions shared by scripts/bench.sh and scripts/soak/soak.sh, which
# source this file from the repository root after building bin/petarawan and
# setting server_url to the DATABASE_URL scripts/bootstrap.sh printed.

# db_url NAME: server_url naming database NAME instead.
db_url() { echo "$server_url" | sed -E "s#/[^/?]+(\?|$)#/$1\1#"; }

# ensure_db NAME FILES...: creates database NAME and imports the boundary FILES
# into it the first time, timed; then writes its demo data unless it has some.
ensure_db() {
  local name=$1; shift
  local url; url=$(db_url "$name")
  if [ "$(psql "$server_url" -qAtc "select 1 from pg_database where datname = '$name'")" != 1 ]; then
    psql "$server_url" -qc "create database $name"
    echo "== importing into $name: $*"
    local start=$SECONDS
    DATABASE_URL=$url /usr/bin/time -f "import: %e s wall, %M KB max RSS" bin/petarawan import boundaries "$@"
    echo "import took $((SECONDS - start)) s"
  fi
  # --if-empty: a database from an older schema gets its demo data after migrating.
  DATABASE_URL=$url /usr/bin/time -f "seed demo: %e s wall, %M KB max RSS" bin/petarawan seed demo --if-empty
}

# wait_ready PORT: waits up to 10 s for the petarawan on 127.0.0.1:PORT to be ready.
wait_ready() {
  for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return 0
    sleep 0.2
  done
  echo "petarawan on 127.0.0.1:$1 is not ready after 10 s" >&2
  return 1
}
