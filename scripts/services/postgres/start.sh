#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests: a fresh data directory
# in a temp dir, listening on 127.0.0.1 only, on a free port (or $TEMPEH_PG_PORT).
#
#   eval "$(scripts/services/postgres/start.sh)"     # exports TEMPEH_TEST_PG_URL and TEMPEH_TEST_PG_DIR
#   npx vitest run --project backend-postgres
#   scripts/services/postgres/stop.sh                # stops it and removes the directory
#
# stdout carries only the two `export` lines; progress goes to stderr. The same
# lines are written to $TEMPEH_TEST_PG_DIR/env, and the directory's path to
# ${TMPDIR:-/tmp}/tempeh-pg.current, which stop.sh reads when given no argument.
#
# Binaries: initdb/pg_ctl from PATH or /usr/local/bin, else Debian's
# /usr/lib/postgresql/<newest>/bin; when neither exists and we are root with
# apt-get, Debian's `postgresql` package is installed. initdb refuses to run
# as root, so as root the cluster runs as the `postgres` user (created as a
# system user when missing), through runuser or su.
set -euo pipefail

log() { printf 'postgres: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

find_bin_dir() {
  local candidate
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  if [[ -x /usr/local/bin/initdb && -x /usr/local/bin/pg_ctl ]]; then
    echo /usr/local/bin
    return 0
  fi
  # Newest major version first.
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -rn); do
    if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

BIN_DIR="$(find_bin_dir || true)"
if [[ -z "$BIN_DIR" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "initdb not found: installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
    BIN_DIR="$(find_bin_dir || true)"
  fi
  [[ -n "$BIN_DIR" ]] || die "initdb/pg_ctl not found (PATH, /usr/local/bin, /usr/lib/postgresql/*/bin); install PostgreSQL, or point TEMPEH_TEST_PG_URL at an existing server"
fi

# As root, run the cluster as an unprivileged user.
RUN_AS=()
OWNER="$(id -un)"
if [[ "$(id -u)" == 0 ]]; then
  OWNER="${TEMPEH_PG_OS_USER:-postgres}"
  if ! id "$OWNER" >/dev/null 2>&1; then
    log "creating system user $OWNER to run PostgreSQL (initdb refuses root)"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$OWNER" >&2
  fi
  if command -v runuser >/dev/null 2>&1; then
    RUN_AS=(runuser -u "$OWNER" --)
  else
    RUN_AS=(su -s /bin/sh "$OWNER" -c '"$0" "$@"')
  fi
fi
as_owner() { "${RUN_AS[@]}" "$@"; }

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

BASE="$(mktemp -d "${TMPDIR:-/tmp}/tempeh-pg.XXXXXX")"
chmod 0755 "$BASE"
DATA="$BASE/data"
SOCKET="$BASE/socket"
mkdir -p "$SOCKET"
chown "$OWNER" "$BASE" "$SOCKET"

DB_USER=tempeh
# A random password: TCP connections use scram-sha-256, so the tests exercise real password auth.
PASSWORD="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
PWFILE="$BASE/pwfile"
printf '%s\n' "$PASSWORD" >"$PWFILE"
chown "$OWNER" "$PWFILE"
chmod 0600 "$PWFILE"

log "initdb in $DATA (as $OWNER, $BIN_DIR)"
as_owner "$BIN_DIR/initdb" -D "$DATA" -U "$DB_USER" --pwfile="$PWFILE" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$BASE/initdb.log" 2>&1 ||
  as_owner "$BIN_DIR/initdb" -D "$DATA" -U "$DB_USER" --pwfile="$PWFILE" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >"$BASE/initdb.log" 2>&1 ||
  { cat "$BASE/initdb.log" >&2; die "initdb failed (log above)"; }
rm -f "$PWFILE"

# Throwaway cluster: durability off, and enough connections for parallel test files.
cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCKET'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
max_wal_size = 2GB
log_min_messages = warning
EOF

started=""
for attempt in 1 2 3; do
  PORT="${TEMPEH_PG_PORT:-$(free_port)}"
  if as_owner "$BIN_DIR/pg_ctl" -D "$DATA" -l "$BASE/server.log" -o "-p $PORT" -w -t 60 start >&2; then
    started=1
    break
  fi
  log "start on port $PORT failed (attempt $attempt)"
  [[ -z "${TEMPEH_PG_PORT:-}" ]] || break
done
[[ -n "$started" ]] || { tail -n 30 "$BASE/server.log" >&2 || true; die "pg_ctl start failed"; }

URL="postgres://$DB_USER:$PASSWORD@127.0.0.1:$PORT/postgres"
{
  printf 'export TEMPEH_TEST_PG_URL=%q\n' "$URL"
  printf 'export TEMPEH_TEST_PG_DIR=%q\n' "$BASE"
} >"$BASE/env"
chmod 0600 "$BASE/env"
printf 'BIN_DIR=%q\nOWNER=%q\n' "$BIN_DIR" "$OWNER" >"$BASE/meta"
printf '%s\n' "$BASE" >"${TMPDIR:-/tmp}/tempeh-pg.current"
log "PostgreSQL $("$BIN_DIR/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PORT, data in $DATA"
cat "$BASE/env"
