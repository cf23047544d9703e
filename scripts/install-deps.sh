#!/usr/bin/env bash
# Installs every Debian 12 package deltatunnel needs to build, test and run. Idempotent: a machine
# that has them all returns at once. Used by the README's quick start, .ci/run and docker/Dockerfile.
#
#   scripts/install-deps.sh           build + test dependencies and the CI tools
#   scripts/install-deps.sh --build   only what a build needs (the Docker image's builder)
#   scripts/install-deps.sh --runtime only the shared libraries the server and tool need at run time
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config ca-certificates curl
  libboost-dev librocksdb-dev libprotobuf-dev protobuf-compiler
  libfmt-dev libspdlog-dev nlohmann-json3-dev libcli11-dev libtoml11-dev
  libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev libssl-dev libsimdjson-dev tzdata
  catch2
)
# The format check, sanitizer and fuzz builds (clang), and scripts (python3; jq for docs/api.md's examples);
# etcd for the cluster backend's tests (tests/cluster/, each starting its own member on free ports).
tool_pkgs=(git clang-format clang libclang-rt-14-dev python3 jq etcd-server)
runtime_pkgs=(
  librocksdb7.8 libprotobuf32 libfmt9 libspdlog1.10 libzstd1 liblz4-1 libsnappy1v5 zlib1g
  libssl3 ca-certificates curl libsimdjson14 tzdata
)

case "${1:-}" in
  --runtime) pkgs=("${runtime_pkgs[@]}") ;;
  --build) pkgs=("${build_pkgs[@]}") ;;
  *) pkgs=("${build_pkgs[@]}" "${tool_pkgs[@]}") ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
