#!/usr/bin/env bash
# start.sh - bring up a throw-away, single-node Ceph cluster with an S3 endpoint
# (radosgw, beast frontend) on 127.0.0.1, for integration tests.
#
# Copied from the workplace recipe (shared/services/ceph-s3) unchanged in behaviour; .ci/run
# starts it with its own CEPH_S3_DIR and ports and stops it with stop.sh --purge.
#
#   one ceph-mon, one ceph-osd (memstore by default: objects live in the OSD's RAM;
#   or bluestore on a sparse file), no ceph-mgr, every pool with size 1, one radosgw,
#   one S3 user with fixed keys. Tested with Debian bookworm's Ceph 16.2.15.
#
# Idempotent: if the cluster started by this script is already up and the S3
# endpoint answers, it only prints the connection details again. Otherwise it
# stops any leftovers (via stop.sh, by pid file), wipes the work dir and
# bootstraps a fresh, empty cluster (about 3 s with memstore). State is NOT kept
# across stop/start: a fresh cluster per start keeps tests deterministic.
#
# Output: progress goes to stderr; stdout gets exactly four KEY=VALUE lines, the
# last three being the endpoint, the access key and the secret key, so callers
# can do:   eval "$(bash start.sh)"
#
# Environment overrides (all optional):
#   CEPH_S3_DIR         work dir: conf, keyrings, data, logs, pid files (default /tmp/ceph-s3)
#   CEPH_S3_PORT        S3 port on 127.0.0.1 (default 7480)
#   CEPH_S3_MON_PORT    monitor port on 127.0.0.1, msgr2 only (default 13300)
#   CEPH_S3_ACCESS_KEY  S3 access key (default tfstate-test-access-key)
#   CEPH_S3_SECRET_KEY  S3 secret key (default tfstate-test-secret-key)
#   CEPH_S3_OSD_STORE   memstore (default: objects held in the OSD's RAM, fastest start) or
#                       bluestore (objects in a sparse 10 GiB file under the work dir; bounded RAM;
#                       needs a filesystem with O_DIRECT, i.e. not tmpfs)
#   CEPH_S3_OSD_BYTES   memstore capacity in bytes (default 4 GiB; only what is stored uses RAM)
#   CEPH_S3_INSTALL     1 (default): apt-get install the Ceph packages if they are missing; 0: fail instead
#   CEPH_S3_TIMEOUT     seconds to wait for each daemon to come up (default 90)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${CEPH_S3_DIR:-/tmp/ceph-s3}"
S3_PORT="${CEPH_S3_PORT:-7480}"
MON_PORT="${CEPH_S3_MON_PORT:-13300}"
ACCESS_KEY="${CEPH_S3_ACCESS_KEY:-tfstate-test-access-key}"
SECRET_KEY="${CEPH_S3_SECRET_KEY:-tfstate-test-secret-key}"
OSD_STORE="${CEPH_S3_OSD_STORE:-memstore}"
# shellcheck disable=SC2034  # used inside the generated ceph.conf below
OSD_BYTES="${CEPH_S3_OSD_BYTES:-4294967296}"
INSTALL="${CEPH_S3_INSTALL:-1}"
TIMEOUT="${CEPH_S3_TIMEOUT:-90}"
ENDPOINT="http://127.0.0.1:${S3_PORT}"
CONF="$DIR/ceph.conf"
FSID="6b3d0a52-8f3e-4c1a-9e1f-0c3e5a7d1b01"   # fixed cluster id; the cluster is recreated on every start
MARKER="$DIR/.ceph-s3-workdir"                # proves the dir is ours before we wipe it
RGW_POOLS=".rgw.root default.rgw.control default.rgw.meta default.rgw.log
           default.rgw.buckets.index default.rgw.buckets.data default.rgw.buckets.non-ec"

T0="$(date +%s%N)"
log() { echo "[ceph-s3 +$(( ($(date +%s%N) - T0) / 1000000 ))ms] $*" >&2; }
die() { echo "[ceph-s3] ERROR: $*" >&2; exit 1; }
case "$OSD_STORE" in memstore|bluestore) ;; *) die "CEPH_S3_OSD_STORE must be memstore or bluestore";; esac

# The final connection details (stdout; last three lines = endpoint, access key, secret key).
print_details() {
  log "S3 endpoint is up (path-style addressing, any region e.g. us-east-1); logs in $DIR/log"
  echo "S3_REGION=us-east-1"
  echo "S3_ENDPOINT=$ENDPOINT"
  echo "S3_ACCESS_KEY=$ACCESS_KEY"
  echo "S3_SECRET_KEY=$SECRET_KEY"
}

# The ceph CLI against our cluster only, with a bounded wait.
ceph_cli() { timeout 60 ceph -c "$CONF" --connect-timeout 30 "$@"; }

# Is the daemon named $1 (mon.a, osd.0, client.rgw.a) running from our pid file and our conf?
alive() {
  local pidf="$DIR/run/$1.pid" pid
  [ -s "$pidf" ] || return 1
  pid="$(cat "$pidf")"
  [ -d "/proc/$pid" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-c $CONF"
}

# HTTP status of an anonymous GET / (ListBuckets as anonymous => 200 once radosgw serves).
s3_status() { curl -s -o /dev/null -m 2 -w '%{http_code}' "$ENDPOINT/" 2>/dev/null || true; }

# wait_until <description> <command...>: retry the command every 0.2 s until it succeeds or TIMEOUT passes.
wait_until() {
  local what="$1"; shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out after ${TIMEOUT}s waiting for $what (see $DIR/log)"
    sleep 0.2
  done
}

# Is something other than us listening on 127.0.0.1:<port>?
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------------------
# Step 0: make sure the Ceph binaries (Debian bookworm: 16.2.x "pacific") and curl are installed.
need_pkgs=()
for b in ceph-mon:ceph-mon ceph-osd:ceph-osd radosgw:radosgw ceph:ceph-common curl:curl uuidgen:uuid-runtime; do
  command -v "${b%%:*}" >/dev/null 2>&1 || need_pkgs+=("${b##*:}")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  [ "$INSTALL" = 1 ] || die "missing packages: ${need_pkgs[*]} (CEPH_S3_INSTALL=0)"
  [ "$(id -u)" = 0 ] || die "missing packages ${need_pkgs[*]} and not root; install them first"
  log "installing ${need_pkgs[*]} (apt-get, --no-install-recommends) ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends ceph-mon ceph-osd radosgw ceph-common curl uuid-runtime >&2 \
    || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends ceph-mon ceph-osd radosgw ceph-common curl uuid-runtime >&2; } \
    || die "apt-get install of the Ceph packages failed"
fi

# ---------------------------------------------------------------------------
# Step 1: already running? Then just print the details again (idempotent start).
if alive mon.a && alive osd.0 && alive client.rgw.a && [ "$(s3_status)" = 200 ]; then
  log "already running (pids $(cat "$DIR/run/mon.a.pid") $(cat "$DIR/run/osd.0.pid") $(cat "$DIR/run/client.rgw.a.pid"))"
  print_details
  exit 0
fi

# ---------------------------------------------------------------------------
# Step 2: stop leftovers of an earlier (partial) start, then wipe the work dir.
if [ -d "$DIR" ]; then
  CEPH_S3_DIR="$DIR" bash "$HERE/stop.sh" >&2 || true
  if [ -n "$(ls -A "$DIR" 2>/dev/null)" ] && [ ! -e "$MARKER" ]; then
    die "$DIR exists, is not empty and was not created by this script; refusing to wipe it (set CEPH_S3_DIR)"
  fi
  rm -rf "$DIR"
fi
for p in "$S3_PORT" "$MON_PORT"; do
  port_busy "$p" && die "127.0.0.1:$p is already in use by another process (set CEPH_S3_PORT / CEPH_S3_MON_PORT)"
done
mkdir -p "$DIR"/{mon,osd,rgw,run,log,crash}
touch "$MARKER"
log "bootstrapping a fresh cluster in $DIR (OSD objectstore: $OSD_STORE)"

# ---------------------------------------------------------------------------
# Step 3: ceph.conf. Every daemon and CLI call below gets "-c $CONF" explicitly,
# which is also how stop.sh recognises our processes.
cat >"$CONF" <<EOF
[global]
fsid = $FSID
# one monitor, loopback only, msgr2 only
mon_host = v2:127.0.0.1:$MON_PORT
mon_initial_members = a
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
public_network = 127.0.0.0/8
ms_bind_msgr1 = false
ms_bind_ipv6 = false
# cephx with one keyring for the monitor, the admin CLI and radosgw
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false
keyring = $DIR/keyring
# keep every runtime file under the work dir
run_dir = $DIR/run
pid_file = $DIR/run/\$name.pid
admin_socket = $DIR/run/\$name.asok
log_file = $DIR/log/\$name.log
crash_dir = $DIR/crash
# one OSD: pools of size 1, few PGs, CRUSH places replicas across OSDs not hosts
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000

[mon]
mon_data = $DIR/mon/\$cluster-\$id
mon_allow_pool_delete = true
# commit cluster-map changes (pool creation, OSD boot) after 50 ms instead of 1 s
paxos_propose_interval = 0.05
# do not warn at <30 % free disk, and do not shut the monitor down at <5 % (only at 0 %)
mon_data_avail_warn = 1
mon_data_avail_crit = 0

[osd]
osd_data = $DIR/osd/\$cluster-\$id
keyring = $DIR/osd/\$cluster-\$id/keyring
$(if [ "$OSD_STORE" = bluestore ]; then cat <<BLUE
# bluestore on a sparse file (osd/ceph-0/block); caches capped near the minimum memory target
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = 10737418240
osd_memory_target = 939524096
BLUE
else cat <<MEM
# memstore: no disk, no block file; stored objects are held in the OSD's memory
osd_objectstore = memstore
memstore_device_bytes = $OSD_BYTES
MEM
fi)
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1

[client.rgw.a]
rgw_data = $DIR/rgw
# S3 on loopback only; tcp_nodelay avoids ~40 ms Nagle/delayed-ACK stalls per request
rgw_frontends = beast endpoint=127.0.0.1:$S3_PORT tcp_nodelay=1
rgw_thread_pool_size = 16
# allow SSE-C (customer-provided keys) over plain http
rgw_crypt_require_ssl = false
# no background resharding; reclaim deleted object data after a minute, not two hours
rgw_dynamic_resharding = false
rgw_gc_obj_min_wait = 60
rgw_gc_processor_period = 60
EOF

# ---------------------------------------------------------------------------
# Step 4: keyring with the monitor key, the admin key and the radosgw key.
# ceph-mon --mkfs imports every entity in it into the cluster's auth database.
ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$DIR/keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$DIR/keyring" --gen-key -n client.rgw.a \
  --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null

# ---------------------------------------------------------------------------
# Step 5: monitor: build the monmap, create its store, start it (it daemonizes and
# writes run/mon.a.pid), wait until it answers.
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/run/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/run/monmap" --keyring "$DIR/keyring" 2>>"$DIR/log/bootstrap.log" \
  || die "ceph-mon --mkfs failed (see $DIR/log/bootstrap.log)"
ceph-mon -c "$CONF" -i a 2>>"$DIR/log/bootstrap.log" || die "ceph-mon failed to start (see $DIR/log)"
wait_until "ceph-mon" ceph_cli mon stat
log "mon.a up (pid $(cat "$DIR/run/mon.a.pid"))"

# ---------------------------------------------------------------------------
# Step 6: OSD: register osd.0 with a fresh key, create its object store (mkfs), write
# its keyring, start it (daemonizes, writes run/osd.0.pid), wait until it is "up".
OSD_UUID="$(uuidgen)"
OSD_KEY="$(ceph-authtool --gen-print-key)"
mkdir -p "$DIR/osd/ceph-0"
printf '{"cephx_secret": "%s"}\n' "$OSD_KEY" >"$DIR/run/osd-new.json"
ceph_cli osd new "$OSD_UUID" 0 -i "$DIR/run/osd-new.json" >/dev/null
ceph-osd -c "$CONF" -i 0 --mkfs --key "$OSD_KEY" --osd-uuid "$OSD_UUID" >>"$DIR/log/bootstrap.log" 2>&1 \
  || die "ceph-osd --mkfs failed (see $DIR/log/bootstrap.log and $DIR/log/osd.0.log)"
ceph-authtool --create-keyring "$DIR/osd/ceph-0/keyring" -n osd.0 --add-key "$OSD_KEY" >/dev/null
ceph-osd -c "$CONF" -i 0 >>"$DIR/log/bootstrap.log" 2>&1 || die "ceph-osd failed to start (see $DIR/log/osd.0.log)"
osd_up() { ceph_cli osd stat | grep -q '1 up'; }
wait_until "ceph-osd to be up" osd_up
log "osd.0 up (pid $(cat "$DIR/run/osd.0.pid"))"

# ---------------------------------------------------------------------------
# Step 7: create radosgw's pools up front (radosgw would otherwise create them
# lazily, making its start and the first CreateBucket/PutObject take seconds).
# All commands go through one "ceph" CLI session (commands on stdin) to save
# the CLI's start-up time per command.
for pool in $RGW_POOLS; do
  echo "osd pool create $pool 8 8 replicated"
  echo "osd pool application enable $pool rgw"
done | ceph_cli >>"$DIR/log/bootstrap.log" 2>&1
existing_pools="$(ceph_cli osd pool ls)"
for pool in $RGW_POOLS; do
  grep -qx -- "$pool" <<<"$existing_pools" || die "pool $pool was not created (see $DIR/log/bootstrap.log)"
done
log "rgw pools created"

# ---------------------------------------------------------------------------
# Step 8: the S3 user with the fixed access/secret key (also initialises the
# default realm/zonegroup/zone objects in .rgw.root).
timeout 60 radosgw-admin -c "$CONF" -n client.admin user create --uid=tfstate-test \
  --display-name="tfstate test user" --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" \
  >"$DIR/log/user-create.json" 2>>"$DIR/log/bootstrap.log" || die "radosgw-admin user create failed (see $DIR/log/bootstrap.log)"
log "S3 user tfstate-test created"

# ---------------------------------------------------------------------------
# Step 9: radosgw (daemonizes, writes run/client.rgw.a.pid); wait until the S3
# endpoint answers an anonymous ListBuckets with HTTP 200.
radosgw -c "$CONF" -n client.rgw.a >>"$DIR/log/bootstrap.log" 2>&1 || die "radosgw failed to start (see $DIR/log/client.rgw.a.log)"
s3_up() { [ "$(s3_status)" = 200 ]; }
wait_until "radosgw on $ENDPOINT" s3_up
log "radosgw up (pid $(cat "$DIR/run/client.rgw.a.pid"))"

print_details
