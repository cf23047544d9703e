#!/usr/bin/env bash
# A throw-away single-host Ceph cluster with the RADOS Gateway (S3 API) for the tests:
#
#   scripts/ceph-rgw.sh start DIR   # prints endpoint=..., access_key=..., secret_key=..., region=...
#   scripts/ceph-rgw.sh stop DIR    # kills the daemons it started (pids in DIR/pids), removes DIR
#
# `start` installs ceph-mon, ceph-osd, ceph-common and radosgw (Debian 12: Ceph 16.2 Pacific) if
# missing (~30-50 s), then (~6 s) brings up, with everything (conf, data, logs, run dir, admin
# sockets) under DIR, which must not exist or be empty: one monitor on 127.0.0.1 (msgr v2 only, a
# free port), one OSD (BlueStore on a sparse file DIR/osd/ceph-0/block, every pool of size 1), no
# manager, and radosgw with the beast frontend on a free loopback port. The daemons authenticate
# nothing among themselves (auth none); S3 requests must be signed (SigV4 or V2) with the keys of
# the one user it creates (uid "deltatunnel"):
#   DT_S3_ACCESS_KEY (default deltatunnel), DT_S3_SECRET_KEY (default deltatunnel-secret).
# It creates no bucket. Use path-style URLs (http://127.0.0.1:PORT/bucket/key). Any SigV4 region
# signs; the zonegroup is "default", the only LocationConstraint CreateBucket accepts besides none
# (so region=default suits SDKs that send their region as the constraint; us-east-1 works too for
# those that send none for it).
# Other knobs: DT_CEPH_OSD_BYTES (size of the sparse BlueStore file, default 4 GiB),
# DT_CEPH_TIMEOUT (seconds to wait for each step, default 120), DT_CEPH_KEEP_ON_FAILURE=1 (leave the
# daemons of a failed start running, to look at them).
# The daemons run in the foreground (-f) under setsid/nohup with their output in DIR/log, so they
# outlive this script and its shell. Progress goes to stderr, the four lines above to stdout. On a
# failed start the daemons already started are killed and DIR is kept for its logs (`stop DIR`
# removes it).
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2
[[ -n $dir && $dir != / ]] || usage

ACCESS_KEY=${DT_S3_ACCESS_KEY:-deltatunnel}
SECRET_KEY=${DT_S3_SECRET_KEY:-deltatunnel-secret}
OSD_BYTES=${DT_CEPH_OSD_BYTES:-4294967296}
TIMEOUT=${DT_CEPH_TIMEOUT:-120}
REGION=default

log() { echo "ceph-rgw: $*" >&2; }
t_start=$(date +%s.%N)
# Progress on stderr, with the seconds since the start.
step() { log "$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%5.1fs", b - a }') $*"; }

# Kills the daemons listed in DIR/pids (only a pid whose command line still names DIR/ceph.conf, so
# a recycled pid is left alone) with SIGKILL and waits until they are gone. SIGKILL, not SIGTERM: the
# data is thrown away anyway, and a graceful stop takes ~2 s a daemon, one after the other (radosgw
# hangs in its shutdown if the OSD goes first; the OSD waits for the monitor).
kill_daemons() {
  local d=$1 name pid pids='' left i
  [[ -s $d/pids ]] || return 0
  while read -r name pid; do
    if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$d/ceph.conf"; then
      kill -KILL "$pid" 2>/dev/null || true
      pids+=" $pid"
    fi
  done <"$d/pids"
  for ((i = 0; i < 100; i++)); do
    left=
    for pid in $pids; do
      # Still there and not a zombie waiting to be reaped by whoever adopted it.
      if [[ -e /proc/$pid ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
        left+=" $pid"
      fi
    done
    [[ -n $left ]] || return 0
    sleep 0.1
  done
  log "still running after SIGKILL:$left"
  return 1
}

if [[ $cmd == stop ]]; then
  [[ -e $dir ]] || exit 0
  # Only a directory this script made (it has the marker DIR/.ceph-rgw).
  if [[ ! -f $dir/.ceph-rgw ]]; then
    log "$dir was not made by $0: not touching it"
    exit 1
  fi
  dir=$(cd "$dir" && pwd -P)
  kill_daemons "$dir"
  rm -rf -- "$dir"
  exit 0
fi
[[ $cmd == start ]] || usage

# --- packages ---------------------------------------------------------------------------------
need=0
for c in ceph-mon ceph-osd ceph monmaptool radosgw radosgw-admin curl; do
  command -v "$c" >/dev/null 2>&1 || need=1
done
if ((need)); then
  log "installing ceph-mon ceph-osd ceph-common radosgw curl (~30-50 s)"
  SUDO=
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    ceph-mon ceph-osd ceph-common radosgw curl >&2
  step "installed"
fi

# --- layout -----------------------------------------------------------------------------------
if [[ -e $dir ]] && [[ -n $(ls -A "$dir") ]]; then
  log "$dir exists and is not empty (stop it first: $0 stop $dir)"
  exit 1
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
touch "$dir/.ceph-rgw"
: >"$dir/pids"
mkdir -p "$dir"/{log,run,mon,osd,rgw,crash,tmp}
conf=$dir/ceph.conf
export CEPH_CONF=$conf

started_ok=0
on_exit() {
  local rc=$?
  ((started_ok)) && return
  log "start failed (exit $rc); logs in $dir/log:"
  for f in "$dir"/log/*; do
    [[ -s $f ]] || continue
    echo "--- $f (last 15 lines)" >&2
    tail -n 15 "$f" >&2 || true
  done
  if [[ ${DT_CEPH_KEEP_ON_FAILURE:-0} == 1 ]]; then
    log "DT_CEPH_KEEP_ON_FAILURE=1: the daemons are left running (stop with: $0 stop $dir)"
  else
    kill_daemons "$dir" || true
  fi
}
trap on_exit EXIT

# A TCP port nobody uses on this host, for the monitor (its address is in the monmap, made before
# it starts), picked at random below the ephemeral range (so no outgoing connection takes it before
# the monitor binds it). Two starts at once may still pick the same one: the monitor then fails to
# bind and exits, and the start retries with another port.
free_port() {
  local low p
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  ((low > 12000)) || low=32768
  while :; do
    p=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
    # In use as a local (or remote) port by any TCP socket? (hex in /proc/net/tcp)
    grep -q ":$(printf '%04X' "$p") " /proc/net/tcp /proc/net/tcp6 2>/dev/null || break
  done
  echo "$p"
}
# The port process PID listens on at 127.0.0.1 (empty if none yet).
listen_port() {
  local pid=$1 inode hex
  for inode in $(find "/proc/$pid/fd" -lname 'socket:\[*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n'); do
    hex=$(awk -v i="$inode" '$4 == "0A" && $10 == i && $2 ~ /^0100007F:/ { print substr($2, 10) }' \
      /proc/net/tcp)
    if [[ -n $hex ]]; then
      echo $((16#$hex))
      return
    fi
  done
}

# Starts a daemon in the foreground under setsid/nohup, output in DIR/log/NAME.out; records its pid
# in DIR/pids and in $last_pid. (-c DIR/ceph.conf on its command line lets `stop` tell it from a
# process that got the same pid later.)
spawn() {
  local name=$1
  shift
  setsid nohup "$@" -c "$conf" </dev/null >>"$dir/log/$name.out" 2>&1 &
  last_pid=$!
  echo "$name $last_pid" >>"$dir/pids"
}

# wait_for WHAT PID COMMAND...: runs COMMAND every 0.25 s until it succeeds (0), PID exits (2) or
# TIMEOUT seconds pass (1).
wait_for() {
  local what=$1 pid=$2 deadline=$((SECONDS + TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$what: the daemon (pid $pid) exited"
      return 2
    fi
    if ((SECONDS >= deadline)); then
      log "timed out ($TIMEOUT s) waiting for $what"
      return 1
    fi
    sleep 0.25
  done
}

ceph_cmd() { timeout 30 ceph --connect-timeout 20 "$@"; }

write_conf() {
  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind msgr2 = true
auth cluster required = none
auth service required = none
auth client required = none
run dir = $dir/run
admin socket = $dir/run/\$cluster-\$name.asok
log file = $dir/log/\$cluster-\$name.log
crash dir = $dir/crash
keyring = $dir/\$cluster.\$name.keyring
tmp dir = $dir/tmp
mon data = $dir/mon/\$cluster-\$id
osd data = $dir/osd/\$cluster-\$id
rgw data = $dir/rgw/\$cluster-\$id
# One OSD: every pool of size 1 with few PGs.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
debug ms = 0

[mon]
# A port taken meanwhile: exit after one try (not four, 5 s apart), to retry with another.
ms bind retry count = 1
mon cluster log file = $dir/log/\$cluster.log
# Each map change waits for the next paxos proposal (1 s by default); radosgw makes ~10 of them
# (its pools and their application tags) before it answers: 10 s -> 1 s.
paxos propose interval = 0.1
paxos min wait = 0.01

[osd]
osd objectstore = bluestore
bluestore block create = true
bluestore block size = $OSD_BYTES
bluestore fsck on mount = false
bluestore fsck on mkfs = false
osd crush update on start = false
osd memory target = 536870912
bluestore cache autotune = false
bluestore cache size = 134217728
osd op num shards = 2
osd op num threads per shard = 1

[client.rgw.a]
# radosgw asks for a "secure" monitor connection by default, which auth none cannot give
# (it loops on "send_auth_request get_initial_auth_request returned -13").
ms mon client mode = crc
# rgw frontends (beast endpoint=127.0.0.1:PORT) is on radosgw's command line.
rgw thread pool size = 64
# Virtual-hosted addressing (http://BUCKET.localhost:PORT/key) besides path-style.
rgw dns name = localhost
rgw enable usage log = false
rgw enable ops log = false
rgw dynamic resharding = false
debug rgw = 1
EOF
}

# --- monitor ----------------------------------------------------------------------------------
fsid=$(cat /proc/sys/kernel/random/uuid)
mon_up() { [[ $(listen_port "$mon_pid") == "$mon_port" ]] && ceph_cmd mon stat; }
for attempt in 1 2 3 4; do
  mon_port=$(free_port)
  write_conf
  rm -rf "$dir/mon/ceph-a"
  monmaptool --create --clobber --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" \
    "$dir/tmp/monmap" >/dev/null
  ceph-mon --mkfs -i a --monmap "$dir/tmp/monmap" >"$dir/log/mon.a.mkfs.out" 2>&1
  spawn mon.a ceph-mon -f -i a
  mon_pid=$last_pid
  rc=0
  wait_for "mon.a on 127.0.0.1:$mon_port" "$mon_pid" mon_up || rc=$?
  ((rc == 0)) && break
  ((rc == 2 && attempt < 4)) || exit 1 # It exited: its port was taken? Another one.
done
step "mon.a up on v2:127.0.0.1:$mon_port"

# --- OSD --------------------------------------------------------------------------------------
osd_uuid=$(cat /proc/sys/kernel/random/uuid)
osd_id=$(ceph_cmd osd new "$osd_uuid")
mkdir -p "$dir/osd/ceph-$osd_id"
ceph-osd -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >"$dir/log/osd.$osd_id.mkfs.out" 2>&1
ceph_cmd osd crush add "osd.$osd_id" 1.0 host=localhost root=default >/dev/null 2>&1
spawn "osd.$osd_id" ceph-osd -f -i "$osd_id"
osd_pid=$last_pid
osd_up() { ceph_cmd osd dump | grep -q "^osd\.$osd_id up "; }
wait_for "osd.$osd_id to be up" "$osd_pid" osd_up
step "osd.$osd_id up"

# --- RADOS Gateway ----------------------------------------------------------------------------
# Port 0: beast binds a port the kernel picks, which no other start can take between our choice
# and the bind (a radosgw that fails to bind exits only after it has set up its watches, and the
# next one then waits 30 s for them to time out). Its port is then read from /proc.
spawn rgw.a radosgw -f -n client.rgw.a --rgw-frontends "beast endpoint=127.0.0.1:0"
rgw_pid=$last_pid
# It answers (an anonymous GET / lists no buckets) once it has made its pools and zone.
rgw_up() {
  rgw_port=$(listen_port "$rgw_pid")
  [[ -n $rgw_port ]] && curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$rgw_port/"
}
wait_for "radosgw" "$rgw_pid" rgw_up
rgw_port=$(listen_port "$rgw_pid")
step "radosgw answers on 127.0.0.1:$rgw_port"
timeout 60 radosgw-admin user create --uid deltatunnel --display-name deltatunnel \
  --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" >"$dir/log/user-create.out" 2>&1
# Signed requests work once the gateway sees the user.
s3_ok() {
  # curl 7.88 signs sha256("") as the payload hash but sends no x-amz-content-sha256 header, and
  # RGW then takes UNSIGNED-PAYLOAD: the signatures differ unless the header is sent.
  curl -fsS -o /dev/null --max-time 5 --aws-sigv4 "aws:amz:$REGION:s3" \
    --user "$ACCESS_KEY:$SECRET_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    "http://127.0.0.1:$rgw_port/"
}
wait_for "a signed S3 request to succeed" "$rgw_pid" s3_ok
step "user $ACCESS_KEY can sign requests"

cat >"$dir/env" <<EOF
endpoint=http://127.0.0.1:$rgw_port
access_key=$ACCESS_KEY
secret_key=$SECRET_KEY
region=$REGION
EOF
started_ok=1
cat "$dir/env"
