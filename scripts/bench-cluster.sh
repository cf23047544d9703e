#!/usr/bin/env bash
# issue 23's figures: starts a cluster on this machine (scripts/cluster.sh: three etcd members,
# Ceph's RADOS Gateway, a node), runs deltatunnel-bench-cluster against it and the object store
# it stands on, and stops it. Extra flags go to the program (--rows N, --connections C,
# --commits N).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/dt-bench-cluster-XXXXXX)
trap 'scripts/cluster.sh stop "$dir" >/dev/null 2>&1 || true' EXIT
port=$((20000 + RANDOM % 10000))
scripts/install-deps.sh >&2
# Its own build folder: the program needs the test support library, which run-server.sh's
# build-release leaves out.
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DDT_BUILD_TESTS=ON \
  -DDT_BUILD_BENCH=ON >/dev/null
cmake --build build-bench --target deltatunnel-server deltatunnel-bench-cluster -j "$(nproc)" >&2
out=$(DT_SERVER_BINARY="$PWD/build-bench/server/deltatunnel-server" \
  scripts/cluster.sh start "$dir" "$port")
etcd=$(sed -n 's/^etcd="\([^"]*\)".*/\1/p' <<<"$out")
s3=$(sed -n 's/^s3=//p' <<<"$out")
build-bench/bench/cluster/deltatunnel-bench-cluster --node "127.0.0.1:$port" --etcd "$etcd" \
  --s3 "$s3" --access-key "$(sed -n 's/^access_key=//p' "$dir/ceph/env")" \
  --secret-key "$(sed -n 's/^secret_key=//p' "$dir/ceph/env")" "$@"
