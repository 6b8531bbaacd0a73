#!/usr/bin/env bash
# Brings up what petarawan needs and prints the DATABASE_URL to use on stdout.
#   scripts/bootstrap.sh run    PostGIS
#   scripts/bootstrap.sh test   PostGIS and GDAL (ogr2ogr is the GIS client the tests drive),
#                               and chromium, node and npm for the map's browser test
# With DATABASE_URL set, that server is used as it is. Otherwise a project-local
# cluster lives in .pgdata/ (git-ignored) on port $PGPORT (default 54329); a second
# call reuses it. Missing Debian packages are installed when running as root.
set -euo pipefail

mode=${1:-run}
root=$(cd "$(dirname "$0")/.." && pwd)
port=${PGPORT:-54329}
pgbin=/usr/lib/postgresql/15/bin

say() { echo "bootstrap: $*" >&2; }
die() { say "$*"; exit 1; }

packages=()
# Without these only the map's browser test is skipped (DEVELOPERS.md).
browser_packages=()
[ -x "$pgbin/initdb" ] || packages+=(postgresql-15)
[ -f /usr/lib/postgresql/15/lib/postgis-3.so ] || packages+=(postgresql-15-postgis-3)
command -v psql >/dev/null || packages+=(postgresql-client-15)
if [ "$mode" = test ]; then
  command -v ogr2ogr >/dev/null || packages+=(gdal-bin)
  command -v chromium >/dev/null || browser_packages+=(chromium)
  command -v node >/dev/null || browser_packages+=(nodejs)
  command -v npm >/dev/null || browser_packages+=(npm)
fi
if [ "$(id -u)" -ne 0 ]; then
  if [ ${#packages[@]} -gt 0 ]; then
    die "missing Debian packages: ${packages[*]}. Install them (sudo apt-get install ${packages[*]}) or set DATABASE_URL to a PostgreSQL 15 server with PostGIS 3."
  fi
  if [ ${#browser_packages[@]} -gt 0 ]; then
    say "missing ${browser_packages[*]}: the map's browser test will be skipped (sudo apt-get install ${browser_packages[*]})"
  fi
  browser_packages=()
fi
packages+=("${browser_packages[@]}")
if [ ${#packages[@]} -gt 0 ]; then
  say "installing ${packages[*]} (a minute or two)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${packages[@]}" >&2
fi

if [ -n "${DATABASE_URL:-}" ]; then
  psql "$DATABASE_URL" -qAtc 'select 1' >/dev/null || die "cannot connect to DATABASE_URL"
  echo "$DATABASE_URL"
  exit 0
fi

# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user
# (run from / so that it never needs to enter a folder it may not read).
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  as_owner=(runuser -u postgres -- env -C /)
fi

pgbase=$root/.pgdata
if [ ${#as_owner[@]} -gt 0 ] && [ ! -e "$pgbase" ] && ! runuser -u postgres -- test -x "$root"; then
  # A checkout the postgres user cannot enter (under /root, say): keep the
  # cluster outside it, reached through the .pgdata link.
  outside=/var/tmp/petarawan-$(printf %s "$root" | md5sum | cut -c1-12)
  say "the postgres user cannot enter $root: the cluster lives in $outside (linked as .pgdata)"
  mkdir -p "$outside"
  ln -s "$outside" "$pgbase"
fi
mkdir -p "$pgbase"
if [ ${#as_owner[@]} -gt 0 ]; then
  chown postgres: "$(readlink -f "$pgbase")"
  "${as_owner[@]}" test -w "$(readlink -f "$pgbase")" ||
    die "the postgres user cannot write $pgbase: make the folders above it searchable (chmod o+x) or set DATABASE_URL"
fi
pgbase=$(readlink -f "$pgbase")
pgdata=$pgbase/data
pgrun=$pgbase/run
pglog=$pgbase/postgres.log

if [ ! -f "$pgdata/PG_VERSION" ]; then
  say "creating a PostgreSQL cluster in $pgdata"
  "${as_owner[@]}" "$pgbin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
"${as_owner[@]}" mkdir -p "$pgrun"

if ! "${as_owner[@]}" "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is taken by another server (another checkout's cluster?): stop it, or choose a port with PGPORT=NNNNN"
  fi
  say "starting PostgreSQL on 127.0.0.1:$port (log: $pglog)"
  "${as_owner[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$pglog" -w start \
    -o "-p $port -k $pgrun -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=512MB" >/dev/null ||
    { tail -5 "$pglog" >&2; die "PostgreSQL did not start; see $pglog"; }
fi

url="postgres://postgres@127.0.0.1:$port/petarawan?sslmode=disable"
if [ "$(psql "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable" -qAtc "select 1 from pg_database where datname='petarawan'")" != 1 ]; then
  psql "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable" -qc 'create database petarawan' >&2
fi
echo "$url"
