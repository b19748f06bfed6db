#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests; prints its URL on stdout (logs go to stderr).
#
#   SAYLAU_TEST_PG="$(.ci/postgres.sh)"; export SAYLAU_TEST_PG
#
# Idempotent: a second run finds the server running and only prints the URL again. It installs
# Debian's postgresql when initdb/pg_ctl are missing, keeps the cluster in $SAYLAU_PG_DIR (a
# directory under /tmp by default) owned by a non-root user (initdb refuses to run as root), and
# listens on 127.0.0.1:$SAYLAU_PG_PORT only, with trust authentication: a test server, not a service.
set -euo pipefail

PORT="${SAYLAU_PG_PORT:-55432}"
DATA="${SAYLAU_PG_DIR:-/tmp/saylau-pg-$PORT}"
DB=saylau_test
SUPERUSER=postgres
URL="postgresql://$SUPERUSER@127.0.0.1:$PORT/$DB"

log() { echo "postgres.sh: $*" >&2; }

# Several checkouts may run this at once: one at a time.
exec 9>"/tmp/saylau-pg-$PORT.lock"
flock 9

find_bin() {
  # Debian links only some of the tools into the PATH: use the directory of the real binary.
  if command -v "$1" >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v "$1")")"
    return
  fi
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/$1" ]; then echo "$dir"; fi
}

BIN="$(find_bin pg_ctl)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN="$(find_bin pg_ctl)"
fi
[ -n "$BIN" ] || { log "no pg_ctl found after installing postgresql"; exit 1; }

# Run as the cluster's owner (without the lock's descriptor, which the server would otherwise keep): as root, a non-root user; otherwise the current user.
if [ "$(id -u)" -eq 0 ]; then
  OWNER="${SAYLAU_PG_USER:-postgres}"
  if ! id "$OWNER" >/dev/null 2>&1; then
    log "creating user $OWNER"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$OWNER"
  fi
  as_owner() { (cd /tmp && runuser -u "$OWNER" -- "$@" 9>&-); }
else
  OWNER="$(id -un)"
  as_owner() { (cd /tmp && "$@" 9>&-); }
fi

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -d postgres -U "$SUPERUSER" >/dev/null 2>&1; }

if ! ready; then
  if [ ! -s "$DATA/PG_VERSION" ]; then
    log "initdb in $DATA (owner $OWNER)"
    mkdir -p "$DATA"
    chown "$OWNER" "$DATA"
    chmod 700 "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" --auth=trust -E UTF8 --locale=C.UTF-8 >&2 \
      || as_owner "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" --auth=trust -E UTF8 --locale=C >&2
  fi
  log "starting on 127.0.0.1:$PORT"
  # fsync off: a test cluster that is thrown away; the store's own durability settings are tested on SQLite.
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PORT -k /tmp -c fsync=off -c max_connections=200" start >&2
fi

if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U "$SUPERUSER" -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$SUPERUSER" "$DB"
fi

echo "$URL"
