#!/usr/bin/env bash
# The console in a real browser: starts deltatunnel-server with authentication on (a bearer token),
# writes some data (a table, NDJSON loads, an open upsert session, a major compaction), then loads
# each console page in headless Chromium (Debian's `chromium`, no npm needed), checks the DOM the
# page built from the API (markers the app writes: data-state, data-points, row classes), and saves
# a screenshot of each page.
#
#   tests/console/browser_test.sh [SERVER_BINARY]
# SERVER_BINARY defaults to build/server/deltatunnel-server. Env: CHROMIUM (default: chromium,
# installed with apt-get when missing and running as root), SCREENSHOTS (default docs/console; set
# to "" to skip), KEEP=1 keeps the temporary directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$repo/build/server/deltatunnel-server}
chromium=${CHROMIUM:-chromium}
shots=${SCREENSHOTS-$repo/docs/console}
token=console-test-token

if ! command -v "$chromium" >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get install -y --no-install-recommends chromium >/dev/null
    chromium=chromium
  else
    echo "browser_test: $chromium is not installed (apt-get install chromium)" >&2
    exit 1
  fi
fi

dir=$(mktemp -d)
pid=
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

cat >"$dir/config.toml" <<TOML
[auth]
enabled = true
bearer_tokens = [ { token = "$token", projects = ["*"] } ]
TOML
"$bin" --config "$dir/config.toml" --listen 127.0.0.1:0 --port-file "$dir/port" \
  --data-dir "$dir/data" --log-level warn >"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 300); do [[ -s $dir/port ]] && break; sleep 0.1; done
port=$(cat "$dir/port")
base=http://127.0.0.1:$port
for _ in $(seq 300); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.1; done

fail() { echo "browser_test: FAIL: $*" >&2; exit 1; }
api() { curl -sS -H "Authorization: Bearer $token" "$@"; }

# Without the token the API refuses; the page itself needs none.
[[ $(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/metrics/history") == 401 ]] ||
  fail "history without a token is not 401"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$base/") == 200 ]] || fail "/ is not 200"

# Data: a partitioned table, three loads, an open session with rows in it, a compaction.
api -f -XPOST "$base/api/v1/projects/shop/tables" -d '{"name": "orders",
  "columns": [{"name": "id", "type": "BIGINT"}, {"name": "amount", "type": "DECIMAL(18,2)"},
              {"name": "note", "type": "STRING"}],
  "primary_key": ["id"], "partition_columns": [{"name": "ds", "type": "STRING"}]}' >/dev/null
for round in 1 2 3; do
  for ds in 20261124 20261125; do
    rows=""
    for i in $(seq 1 40); do
      rows+="{\"id\": $((i * round)), \"amount\": \"$round.$i\", \"note\": \"round $round\"}"$'\n'
    done
    api -f -XPOST "$base/api/v1/projects/shop/tables/orders/load?partition=ds=$ds" \
      -H 'content-type: application/x-ndjson' --data-binary "$rows" >/dev/null
  done
  sleep 1
done
api -f -XPOST "$base/api/v1/projects/shop/tables/orders/load?partition=ds=20261125" \
  -H 'content-type: application/x-ndjson' --data-binary $'{"id": 2, "__op": "delete"}\n' >/dev/null
session=$(api -f -XPOST "$base/projects/shop/tables/orders/upserts?slotnum=1&partition=ds%3D20261126" |
  sed -n 's/.*"id" *: *"\([^"]*\)".*/\1/p')
[[ -n $session ]] || fail "no session id"
api -f -XPUT "$base/projects/shop/tables/orders/upserts?upsertid=$session&partition=ds%3D20261126" \
  -H 'content-type: application/x-ndjson' --data-binary $'{"id": 1, "amount": 1}\n{"id": 9, "amount": 9}\n' >/dev/null
api -f -XPOST "$base/api/v1/projects/shop/tables/orders/consumers" -H 'content-type: application/json' \
  -d '{"name": "billing", "from_version": 1}' >/dev/null
compaction=$(api -f -XPOST "$base/api/v1/projects/shop/tables/orders/compact?partition=ds=20261124" |
  sed -n 's/.*"id" *: *"\([^"]*\)".*/\1/p')
[[ -n $compaction ]] || fail "no compaction id"
for _ in $(seq 100); do
  api -s "$base/api/v1/compactions" | grep -q '"state":"done"' && break
  sleep 0.1
done
sleep 2  # one more history sample after the writes

export HOME=$dir  # chromium writes its profile and crash dumps under HOME
browse() {  # browse NAME HASH: the DOM after the page settled, into $dir/NAME.html, and a screenshot
  local name=$1 hash=$2
  local url="$base/#$hash"
  [[ $hash == *\?* ]] && url+="&token=$token" || url+="?token=$token"
  local flags=(--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
               --user-data-dir="$dir/chrome-$name" --virtual-time-budget=15000 --window-size=1280,900)
  timeout 120 "$chromium" "${flags[@]}" --dump-dom "$url" >"$dir/$name.html" 2>"$dir/$name.log" ||
    fail "$name: chromium failed: $(tail -3 "$dir/$name.log")"
  grep -q 'data-state="ready"' "$dir/$name.html" ||
    fail "$name: the page did not get ready: $(grep -o '<div id="notice"[^<]*<' "$dir/$name.html")"
  if [[ -n $shots ]]; then
    mkdir -p "$shots"
    timeout 120 "$chromium" "${flags[@]/--user-data-dir=*/--user-data-dir=$dir/chrome-$name-shot}" \
      --hide-scrollbars --screenshot="$shots/$name.png" "$url" >/dev/null 2>&1 ||
      fail "$name: screenshot failed"
  fi
  echo "browser_test: $name ok"
}
count() { grep -o "$1" "$dir/$2.html" | wc -l; }
points() {  # the data-points of chart $2 on page $1
  grep -o "data-chart=\"$2\"[^>]*data-points=\"[0-9]*\"" "$dir/$1.html" | sed 's/.*data-points="\([0-9]*\)"/\1/'
}

browse overview /overview
[[ $(points overview rows) -ge 3 ]] || fail "overview: rows chart has $(points overview rows) points"
[[ $(points overview latency) -ge 3 ]] || fail "overview: latency chart not drawn"
grep -q 'class="uplot' "$dir/overview.html" || fail "overview: no uPlot chart"
grep -q 'class="slot-row"' "$dir/overview.html" || fail "overview: no slots row"
grep -q '<td>shop</td>' "$dir/overview.html" || fail "overview: project shop not in the slots"

browse tables "/tables?project=shop"
[[ $(count 'class="partition-row"' tables) -eq 2 ]] || fail "tables: want 2 partition rows (the open session committed nothing)"
grep -q 'data-partition="ds=20261124"' "$dir/tables.html" || fail "tables: partition missing"
grep -q 'DECIMAL(18,2)' "$dir/tables.html" || fail "tables: schema missing"

browse table "/table/shop/orders?version=2&limit=100&from=2&to=7"
[[ $(points table timeline) -eq 7 ]] || fail "table: timeline has $(points table timeline) points, want 7"
[[ $(count 'class="preview-row"' table) -eq 80 ]] || fail "table: preview at version 2 has $(count 'class="preview-row"' table) rows, want 80"
grep -q 'data-read-version="2"' "$dir/table.html" || fail "table: not read at version 2"
[[ $(count 'class="change-row' table) -gt 0 ]] || fail "table: no changes"
grep -q 'class="change-row op-delete"' "$dir/table.html" || fail "table: the delete is not among the changes"
grep -q 'class="consumer-row" data-consumer="billing"' "$dir/table.html" || fail "table: consumer billing missing"

# Key 2 of ds=20261125: written in rounds 1 and 2 (ids 2 = 2x1 and 1x2), then deleted.
browse key "/table/shop/orders?key=2&kp=ds%3D20261125"
[[ $(count 'class="history-row' key) -ge 3 ]] || fail "key: want at least 3 states of key 2, got $(count 'class="history-row' key)"
grep -q 'class="history-row op-delete"' "$dir/key.html" || fail "key: the delete is not in the history"

browse compactions /compactions
grep -q "data-id=\"$compaction\"" "$dir/compactions.html" || fail "compactions: $compaction missing"
grep -q 'data-state="done"' "$dir/compactions.html" || fail "compactions: not done"

browse sessions "/sessions?project=shop"
grep -q "data-session=\"$session\"" "$dir/sessions.html" || fail "sessions: $session missing"
grep -q 'data-open-sessions="1"' "$dir/sessions.html" || fail "sessions: want 1 open session"

browse api /api
[[ $(count 'class="card api-op"' api) -ge 20 ]] || fail "api: $(count 'class="card api-op"' api) operations, want 20 or more"
grep -q 'data-path="/api/v1/projects/{project}/tables/{table}/load"' "$dir/api.html" || fail "api: the load operation is missing"

# Without a token the page says so instead of showing data.
SCREENSHOTS="" 
url="$base/#/tables?project=shop"
timeout 120 "$chromium" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --user-data-dir="$dir/chrome-anon" --virtual-time-budget=10000 --dump-dom "$url" >"$dir/anon.html" 2>/dev/null
grep -q 'data-state="error"' "$dir/anon.html" || fail "anonymous: the page did not report the 401"
grep -q 'Unauthorized' "$dir/anon.html" || fail "anonymous: no Unauthorized notice"
echo "browser_test: all pages ok"
