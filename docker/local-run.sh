#!/usr/bin/env bash
# The Docker Compose run on a machine with no Docker engine and no registry (a CI machine, as
# root), in one command:
#
#   docker/local-run.sh
#
# 1. installs docker.io and docker-compose (and debootstrap when needed) if missing;
# 2. starts a private dockerd: data root, exec root, pidfile and socket in a temporary folder,
#    no bridge, no iptables, no IP forwarding (the host's network stays as it was);
# 3. makes the base image debian:bookworm-slim when the engine lacks it: `debootstrap --variant=
#    minbase bookworm` from the machine's apt mirror, imported with `docker import`; the root
#    file system's tarball is kept in $DT_DOCKER_CACHE (default /var/cache/deltatunnel-docker) so
#    later runs only import it;
# 4. builds the images (deltatunnel, deltatunnel-tests) with --network host;
# 5. runs docker/compose.yaml with the docker/compose.ci.yaml override (host network, loopback,
#    a free port from 18980 up) until the `tests` service exits;
# 6. always tears down: compose down -v, dockerd stopped by its pid, the temporary folder removed.
#
# Exits with the suite's status. Prints how long each step took.
# DT_DOCKER_DATA_ROOT=DIR keeps the engine's data (images, the build cache) in DIR across runs
# instead of the temporary folder, which makes a repeated run skip the C++ build.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "local-run: run as root (it starts dockerd)" >&2; exit 2; }

cache=${DT_DOCKER_CACHE:-/var/cache/deltatunnel-docker}
base_tar=$cache/debian-bookworm-minbase.tar
project=deltatunnel-ci
compose_files=(-f docker/compose.yaml -f docker/compose.ci.yaml)

t_start=$(date +%s)
t_step=$t_start
timings=()
step_done() {
  local now
  now=$(date +%s)
  timings+=("$(printf '%5d s  %s' $((now - t_step)) "$1")")
  echo "local-run: $1: $((now - t_step)) s"
  t_step=$now
}

# 1. Packages. /usr/bin/docker is docker.io's client, matched to its dockerd (another `docker` on
# PATH may be a newer client that builds differently).
need=()
[[ -x /usr/sbin/dockerd && -x /usr/bin/docker ]] || need+=(docker.io)
command -v docker-compose >/dev/null || need+=(docker-compose)
if [[ ! -s $base_tar ]] && ! command -v debootstrap >/dev/null; then need+=(debootstrap); fi
if [[ ${#need[@]} -gt 0 ]]; then
  echo "local-run: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
    >/dev/null
fi
docker=/usr/bin/docker
step_done "packages"

# 2. A private dockerd.
tmp=$(mktemp -d /tmp/dt-docker.XXXXXX)
data_root=${DT_DOCKER_DATA_ROOT:-$tmp/data}
mkdir -p "$data_root"
export DOCKER_HOST=unix://$tmp/docker.sock
export DOCKER_CONFIG=$tmp/config  # not the machine's client settings or credential helpers
export COMPOSE_PROJECT_NAME=$project
dockerd_pid=""
composed=0

cleanup() {
  local rc=$? t0
  t0=$(date +%s)
  trap - EXIT INT TERM
  set +e
  if [[ $composed -eq 1 ]]; then
    docker-compose "${compose_files[@]}" down -v --remove-orphans >/dev/null 2>&1
  fi
  if [[ -n "$dockerd_pid" ]] && kill -0 "$dockerd_pid" 2>/dev/null; then
    kill -TERM "$dockerd_pid"
    for ((i = 0; i < 300; i++)); do
      kill -0 "$dockerd_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$dockerd_pid" 2>/dev/null; then
      echo "local-run: dockerd did not stop in 30 s; killing it" >&2
      kill -KILL "$dockerd_pid"
    fi
    wait "$dockerd_pid" 2>/dev/null
  fi
  if [[ $rc -ne 0 && -f $tmp/dockerd.log ]]; then
    echo "--- dockerd's log (last 20 lines):" >&2
    tail -n 20 "$tmp/dockerd.log" >&2
  fi
  # Nothing may stay mounted under the folder before it goes.
  findmnt -rn -o TARGET | grep "^$tmp/" | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$tmp"
  echo "local-run: torn down in $(($(date +%s) - t0)) s (compose down -v, dockerd stopped," \
    "temporary folder removed)"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

/usr/sbin/dockerd --data-root "$data_root" --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" \
  --host "$DOCKER_HOST" --iptables=false --ip-forward=false --bridge=none \
  >"$tmp/dockerd.log" 2>&1 &
dockerd_pid=$!
for ((i = 0; i < 600; i++)); do
  $docker version >/dev/null 2>&1 && break
  kill -0 "$dockerd_pid" 2>/dev/null || { echo "local-run: dockerd exited" >&2; exit 1; }
  sleep 0.1
done
$docker version >/dev/null || { echo "local-run: dockerd not ready in 60 s" >&2; exit 1; }
echo "local-run: dockerd pid $dockerd_pid, $DOCKER_HOST, storage driver" \
  "$($docker info --format '{{.Driver}}')"
step_done "dockerd started"

# 3. The base image.
mirror() {
  local uri
  uri=$(grep -hs -E '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
          /etc/apt/sources.list.d/*.list 2>/dev/null |
        grep -v security | grep -o -E 'https?://[^ ]*/debian/?' | head -n 1)
  echo "${uri:-http://deb.debian.org/debian}"
}
if ! $docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  if [[ ! -s $base_tar ]]; then
    url=$(mirror)
    echo "local-run: debootstrap bookworm from $url (cached in $base_tar afterwards)"
    rootfs=$tmp/rootfs
    debootstrap --variant=minbase bookworm "$rootfs" "$url" >"$tmp/debootstrap.log" 2>&1 ||
      { tail -n 20 "$tmp/debootstrap.log" >&2; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    mkdir -p "$cache"
    tar -C "$rootfs" -cf "$base_tar.tmp" .
    mv "$base_tar.tmp" "$base_tar"
    rm -rf "$rootfs"
  fi
  $docker import -c 'CMD ["bash"]' "$base_tar" debian:bookworm-slim >/dev/null
  step_done "base image debian:bookworm-slim"
else
  step_done "base image debian:bookworm-slim (present)"
fi

# 4. The images, both from one snapshot of the sources (the tree may change during a long build).
# The classic builder runs RUN steps with --network host, as there is no bridge; building the
# default target `server` builds every stage, so `tests` then comes from the cache.
src=$tmp/src
mkdir -p "$src"
tar -C . --exclude='./build*' --exclude=./.git --exclude=./data --exclude='*/node_modules' -cf - . |
  tar -C "$src" -xf -
export DOCKER_BUILDKIT=0
$docker build --network host -f "$src/docker/Dockerfile" --target server -t deltatunnel "$src"
step_done "image deltatunnel (builds the C++)"
$docker build --network host -q -f "$src/docker/Dockerfile" --target tests -t deltatunnel-tests \
  "$src" >/dev/null
step_done "image deltatunnel-tests"

# 5. The Compose run, on a free loopback port.
port=18980
while (: </dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
export DT_CI_PORT=$port
composed=1
rc=0
docker-compose "${compose_files[@]}" up --no-build --exit-code-from tests || rc=$?
step_done "compose up (the suite against the server on 127.0.0.1:$port)"
# Compose stopped the server with SIGTERM once the suite ended: it must have exited 0.
server_id=$(docker-compose "${compose_files[@]}" ps -q server)
server_rc=$($docker inspect --format '{{.State.ExitCode}}' "$server_id")
echo "local-run: the server container exited $server_rc"
if [[ $rc -eq 0 && $server_rc -ne 0 ]]; then rc=1; fi

echo
echo "local-run: timings"
printf '%s\n' "${timings[@]}"
echo "local-run: total $(($(date +%s) - t_start)) s; the suite exited $rc"
exit $rc
