#!/usr/bin/env bash
# The PyODPS compatibility check (tests/compat/README.md): starts deltatunnel-server with
# authentication on (an ODPS access key for the SDK, a bearer token for the native API), runs
# tests/compat/pyodps_upsert.py and tests/compat/pyodps_flows.py against it, then runs
# pyodps_flows.py again and docs/clients.md's PyODPS example (pyodps_docs_example.py) against a
# server with authentication off, and stops the servers. Fetches
# nothing from the network but Debian packages (python3, python3-requests).
#
#   PYODPS_PATH=/path/to/aliyun-odps-python-sdk scripts/compat-pyodps.sh
#
# Environment: PYODPS_PATH (required: the SDK's work tree, the folder holding odps/); SERVER (the
# binary, build/server/deltatunnel-server); DT_COMPRESS (1: the SDK deflates its writes, 0: raw);
# KEEP=1 keeps the temporary folder with the server's log and data.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${PYODPS_PATH:?set PYODPS_PATH to a work tree of aliyun-odps-python-sdk (the folder holding odps/)}"
if [[ ! -f "$PYODPS_PATH/odps/__init__.py" ]]; then
  echo "compat-pyodps: $PYODPS_PATH/odps/__init__.py not found" >&2
  exit 2
fi
SERVER=${SERVER:-build/server/deltatunnel-server}
if [[ ! -x "$SERVER" ]]; then
  echo "compat-pyodps: no server binary at $SERVER (cmake --build build --target deltatunnel-server," \
    "or set SERVER)" >&2
  exit 2
fi

missing=()
for p in python3 python3-requests; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "compat-pyodps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
# Debian's interpreter, whatever else is first on PATH (it is the one python3-requests is for).
PYTHON=/usr/bin/python3

dir=$(mktemp -d)
pid=""
stop_server() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  pid=""
}
cleanup() {
  stop_server
  if [[ "${KEEP:-0}" == "1" ]]; then
    echo "compat-pyodps: kept $dir (server logs, data)" >&2
  else
    rm -rf "$dir"
  fi
}
trap cleanup EXIT

export DT_ACCESS_ID=compat-id DT_ACCESS_KEY=compat-secret DT_BEARER_TOKEN=compat-token
export DT_PROJECT=compat

# start_server NAME AUTH(true|false): a server with its data and log in $dir/NAME; sets DT_ENDPOINT.
start_server() {
  local run="$dir/$1"
  mkdir -p "$run"
  cat >"$run/config.toml" <<EOF
data_dir = "$run/data"
log_level = "info"
[auth]
enabled = $2
access_keys = [{ id = "$DT_ACCESS_ID", secret = "$DT_ACCESS_KEY", projects = ["$DT_PROJECT"] }]
bearer_tokens = [{ token = "$DT_BEARER_TOKEN", projects = ["$DT_PROJECT"] }]
EOF
  "$SERVER" --config "$run/config.toml" --listen 127.0.0.1:0 --port-file "$run/port" \
    >"$run/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    [[ -s "$run/port" ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$run/server.log" >&2; exit 1; }
    sleep 0.1
  done
  export DT_ENDPOINT="http://127.0.0.1:$(cat "$run/port")"
  local ready=0
  for _ in $(seq 1 300); do
    if "$PYTHON" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "$DT_ENDPOINT/readyz" 2>/dev/null; then
      ready=1
      break
    fi
    sleep 0.1
  done
  if [[ $ready -ne 1 ]]; then
    echo "compat-pyodps: the server did not become ready" >&2
    cat "$run/server.log" >&2
    exit 1
  fi
  echo "compat-pyodps: server $1 (auth $2) on $DT_ENDPOINT (pid $pid), data in $run"
}

status=0
# run_script NAME SCRIPT: runs one script against the current server; the log's tail on failure.
run_script() {
  local rc=0
  PYODPS_PATH="$PYODPS_PATH" "$PYTHON" "$2" || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "--- $2 failed; server log (tail) ---" >&2
    tail -n 40 "$dir/$1/server.log" >&2
    status=1
  fi
}

start_server auth true
run_script auth tests/compat/pyodps_upsert.py
run_script auth tests/compat/pyodps_flows.py
stop_server
start_server noauth false
DT_BEARER_TOKEN="" run_script noauth tests/compat/pyodps_flows.py
DT_BEARER_TOKEN="" run_script noauth tests/compat/pyodps_docs_example.py
stop_server
exit $status
