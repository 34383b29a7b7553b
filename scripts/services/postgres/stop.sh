#!/usr/bin/env bash
# Stops a cluster started by start.sh and removes its directory.
#
#   scripts/services/postgres/stop.sh [DIR]
#
# DIR defaults to $TEMPEH_TEST_PG_DIR, else to the directory recorded in
# ${TMPDIR:-/tmp}/tempeh-pg.current by the last start.sh. Safe to run twice,
# and on a cluster whose server already died.
set -euo pipefail

log() { printf 'postgres: %s\n' "$*" >&2; }

CURRENT="${TMPDIR:-/tmp}/tempeh-pg.current"
BASE="${1:-${TEMPEH_TEST_PG_DIR:-}}"
if [[ -z "$BASE" && -f "$CURRENT" ]]; then BASE="$(cat "$CURRENT")"; fi
if [[ -z "$BASE" || ! -d "$BASE" ]]; then
  log "no cluster to stop${BASE:+ ($BASE does not exist)}"
  exit 0
fi
# Only ever remove what start.sh made: its directories are named tempeh-pg.XXXXXX and hold a meta file.
case "$(basename "$BASE")" in
  tempeh-pg.*) ;;
  *) log "refusing to remove $BASE: not a directory made by start.sh"; exit 1 ;;
esac
[[ -f "$BASE/meta" ]] || { log "refusing to remove $BASE: no meta file, so not made by start.sh"; exit 1; }

BIN_DIR=""
OWNER=""
# shellcheck source=/dev/null
source "$BASE/meta"

if [[ -f "$BASE/data/postmaster.pid" && -n "$BIN_DIR" ]]; then
  RUN_AS=()
  if [[ "$(id -u)" == 0 && "$OWNER" != root ]]; then
    if command -v runuser >/dev/null 2>&1; then RUN_AS=(runuser -u "$OWNER" --); else RUN_AS=(su -s /bin/sh "$OWNER" -c '"$0" "$@"'); fi
  fi
  # immediate: the data is thrown away, so there is nothing to flush; it also ends sessions the tests left open.
  "${RUN_AS[@]}" "$BIN_DIR/pg_ctl" -D "$BASE/data" -m immediate -w -t 30 stop >&2 || log "pg_ctl stop failed; removing the directory anyway"
fi
rm -rf "$BASE"
if [[ -f "$CURRENT" && "$(cat "$CURRENT")" == "$BASE" ]]; then rm -f "$CURRENT"; fi
log "stopped and removed $BASE"
