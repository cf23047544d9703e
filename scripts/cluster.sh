#!/usr/bin/env bash
# A deltatunnel cluster on this machine, on loopback (docs/cluster.md):
#
#   scripts/cluster.sh start DIR [PORT]   # three etcd members, Ceph with its RADOS Gateway (S3),
#                                         # a bucket, and a deltatunnel node on 127.0.0.1:PORT (8080)
#   scripts/cluster.sh stop DIR           # stops them all and removes DIR
#
# `start` installs what it needs (scripts/install-deps.sh; Ceph through scripts/ceph-rgw.sh),
# builds the server (Release, as scripts/run-server.sh does; DT_SERVER_BINARY=PATH runs that
# binary instead, built by the caller), then brings up, everything under DIR
# (which must not exist or be empty): etcd members e1..e3 on free ports, started with the
# transaction limits the server's config names (--max-txn-ops 10000, --max-request-bytes 10 MiB);
# a one-OSD Ceph cluster and radosgw (scripts/ceph-rgw.sh start DIR/ceph); the bucket
# "deltatunnel"; and the node, configured by DIR/node.toml (storage.backend = "cluster"), its log
# in DIR/node.log. It prints the node's URL and the services' endpoints, and waits until the node
# is ready. One node serves a prefix until the cluster's nodes share one (issue 23).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

usage() {
  echo "usage: $0 start DIR [PORT] | stop DIR" >&2
  exit 2
}
[[ $# -ge 2 ]] || usage
cmd=$1
dir=$2
[[ -n $dir && $dir != / ]] || usage
log() { echo "cluster.sh: $*" >&2; }

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    grep -q ":$(printf '%04X' "$p") " /proc/net/tcp /proc/net/tcp6 2>/dev/null || break
  done
  echo "$p"
}

# Kills the processes listed in DIR/pids whose command line still names DIR.
kill_listed() {
  local name pid
  [[ -s $dir/pids ]] || return 0
  while read -r name pid; do
    if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir"; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done <"$dir/pids"
  for _ in $(seq 100); do
    local left=
    while read -r name pid; do
      if [[ -e /proc/$pid ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then left=1; fi
    done <"$dir/pids"
    [[ -n $left ]] || return 0
    sleep 0.1
  done
  while read -r name pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$dir/pids"
}

# Waits until `curl URL` succeeds, up to 60 s.
wait_for() {
  for _ in $(seq 600); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  log "no answer from $1 (logs in $dir)"
  return 1
}

case $cmd in
stop)
  kill_listed
  [[ -d $dir/ceph ]] && scripts/ceph-rgw.sh stop "$dir/ceph"
  rm -rf "$dir"
  log "stopped"
  ;;
start)
  port=${3:-8080}
  if [[ -d $dir && -n $(ls -A "$dir") ]]; then log "$dir is not empty"; exit 1; fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  : >"$dir/pids"
  trap 'log "start failed; scripts/cluster.sh stop $dir cleans up"' ERR

  server=${DT_SERVER_BINARY:-}
  if [[ -z $server ]]; then
    scripts/install-deps.sh >&2
    cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDT_BUILD_TESTS=OFF \
      -DDT_BUILD_BENCH=OFF >/dev/null
    cmake --build build-release --target deltatunnel-server -j "$(nproc)" >&2
    server=$repo/build-release/server/deltatunnel-server
  fi

  members=(e1 e2 e3)
  declare -A client peer
  initial=
  for m in "${members[@]}"; do
    client[$m]=$(free_port)
    peer[$m]=$(free_port)
    initial+="${initial:+,}$m=http://127.0.0.1:${peer[$m]}"
  done
  endpoints=
  for m in "${members[@]}"; do
    setsid nohup etcd --name "$m" --data-dir "$dir/etcd/$m" \
      --listen-client-urls "http://127.0.0.1:${client[$m]}" \
      --advertise-client-urls "http://127.0.0.1:${client[$m]}" \
      --listen-peer-urls "http://127.0.0.1:${peer[$m]}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${peer[$m]}" \
      --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token deltatunnel \
      --max-txn-ops 10000 --max-request-bytes 10485760 \
      </dev/null >"$dir/etcd-$m.log" 2>&1 &
    echo "etcd-$m $!" >>"$dir/pids"
    endpoints+="${endpoints:+, }\"http://127.0.0.1:${client[$m]}\""
  done
  for m in "${members[@]}"; do wait_for "http://127.0.0.1:${client[$m]}/health"; done
  log "etcd: $endpoints"

  s3=$(scripts/ceph-rgw.sh start "$dir/ceph")
  s3_endpoint=$(sed -n 's/^endpoint=//p' <<<"$s3")
  access_key=$(sed -n 's/^access_key=//p' <<<"$s3")
  secret_key=$(sed -n 's/^secret_key=//p' <<<"$s3")
  # (curl signs no payload hash of its own: RGW needs the header.)
  curl -fsS -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access_key:$secret_key" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    "$s3_endpoint/deltatunnel" >/dev/null
  log "S3: $s3_endpoint, bucket deltatunnel"

  cat >"$dir/node.toml" <<TOML
# Written by scripts/cluster.sh: a node of the cluster in $dir.
listen = "127.0.0.1:$port"
data_dir = "$dir/node"

[storage]
backend = "cluster"

[cluster]
etcd_endpoints = [$endpoints]
prefix = "deltatunnel/"
s3_endpoint = "$s3_endpoint"
s3_bucket = "deltatunnel"
s3_access_key_id = "$access_key"
s3_secret_access_key = "$secret_key"
TOML
  setsid nohup "$server" --config "$dir/node.toml" \
    </dev/null >"$dir/node.log" 2>&1 &
  echo "node $!" >>"$dir/pids"
  wait_for "http://127.0.0.1:$port/readyz"
  trap - ERR
  echo "node=http://127.0.0.1:$port"
  echo "etcd=$endpoints"
  echo "s3=$s3_endpoint"
  log "ready: curl http://127.0.0.1:$port/readyz; stop with scripts/cluster.sh stop $dir"
  ;;
*) usage ;;
esac
