#!/usr/bin/env bash
# The integration suite (tests/external, `deltatunnel-integration`) against a running server:
#
#   scripts/integration.sh --endpoint http://host:8080 --access-id ID --access-key KEY [flags...]
#   DELTATUNNEL_ENDPOINT=http://host:8080 DELTATUNNEL_TOKEN=T scripts/integration.sh
#
# Every flag goes to the suite (`deltatunnel-integration --help` lists them; Catch2's flags work
# too). With no endpoint (flag or DELTATUNNEL_ENDPOINT) it starts $BUILD_DIR/server/deltatunnel-server
# itself on a free loopback port with authentication on (a fresh access key and bearer token, both
# granted only the project "integration"), runs the suite twice (ODPS signatures, then the bearer
# token alone, which also shows that runs do not collide), stops the server with SIGTERM and
# fails unless it exited 0. Builds what it needs first (BUILD_DIR, default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
suite=$BUILD_DIR/tests/external/deltatunnel-integration
server_bin=$BUILD_DIR/server/deltatunnel-server

endpoint=${DELTATUNNEL_ENDPOINT:-}
for ((i = 1; i <= $#; i++)); do
  case "${!i}" in
    --endpoint) j=$((i + 1)); endpoint=${!j:-} ;;
    --endpoint=*) endpoint=${!i#--endpoint=} ;;
  esac
done

scripts/install-deps.sh
# Configured afresh like scripts/test.sh, or re-configured as it is (so a build directory made
# before tests/external existed learns the suite's target).
if [[ -f $BUILD_DIR/CMakeCache.txt ]]; then
  cmake -S . -B "$BUILD_DIR" >/dev/null
else
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
    ${CMAKE_ARGS:-} >/dev/null
fi
cmake --build "$BUILD_DIR" -j "${JOBS:-$(nproc)}" --target deltatunnel-integration deltatunnel-server

if [[ -n "$endpoint" ]]; then
  exec "$suite" "$@"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dt-integration.XXXXXX")
pid=""
cleanup() {
  local rc=$?
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f $tmp/server.log ]]; then
    echo "--- the server's log (last 40 lines):" >&2
    tail -n 40 "$tmp/server.log" >&2
  fi
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT

# Hex: a secret starting with '-' would read as a flag ("Expected argument following --access-key").
secret() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
access_id=$(secret)
access_id="it-${access_id:0:8}"
access_key=$(secret)
token=$(secret)
# Secrets reach the server through the environment, as in conf/docker.toml.
export DT_IT_ACCESS_ID=$access_id DT_IT_ACCESS_KEY=$access_key DT_IT_TOKEN=$token
cat >"$tmp/server.toml" <<EOF
listen = "127.0.0.1:0"
data_dir = "$tmp/data"
log_level = "warn"

[auth]
enabled = true
access_keys = [{ id = "\${DT_IT_ACCESS_ID}", secret = "\${DT_IT_ACCESS_KEY}", projects = ["integration"] }]
bearer_tokens = [{ token = "\${DT_IT_TOKEN}", projects = ["integration"] }]
EOF

"$server_bin" --config "$tmp/server.toml" --port-file "$tmp/port" >"$tmp/server.log" 2>&1 &
pid=$!
for ((waited = 0; waited < 300; waited++)); do
  [[ -s $tmp/port ]] && break
  kill -0 "$pid" 2>/dev/null || { echo "integration: the server exited at start" >&2; exit 1; }
  sleep 0.1
done
[[ -s $tmp/port ]] || { echo "integration: no port file after 30 s" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$tmp/port")"
echo "integration: server pid $pid on $url (auth on)"

echo "integration: pass 1, ODPS-signed requests"
"$suite" --endpoint "$url" --project integration --denied-project not_granted \
  --access-id "$access_id" --access-key "$access_key" --token "$token" "$@"
echo "integration: pass 2, the bearer token"
"$suite" --endpoint "$url" --project integration --denied-project not_granted \
  --token "$token" "$@"

kill -TERM "$pid"
server_rc=0
wait "$pid" || server_rc=$?
pid=""
if [[ $server_rc -ne 0 ]]; then
  echo "integration: the server exited $server_rc after SIGTERM" >&2
  exit 1
fi
echo "integration: passed; the server stopped cleanly on SIGTERM"
