#!/usr/bin/env python3
"""A real Tunnel SDK client against deltatunnel: PyODPS's TableUpsertSession.

Creates a Delta table through deltatunnel's native API, then, through PyODPS (imported from
$PYODPS_PATH, a work tree of https://github.com/aliyun/aliyun-odps-python-sdk), opens upsert
sessions on it, writes upserts and deletes, reloads a session by id, commits and aborts, and checks
the rows through the native API (GET .../data). Every HTTP call the SDK makes is listed at the end.

Environment:
  PYODPS_PATH      the SDK's work tree (the folder holding the `odps` package); required
  DT_ENDPOINT      the server, e.g. http://127.0.0.1:8080; required
  DT_ACCESS_ID     an access key of the server's [auth] access_keys (the SDK signs with it)
  DT_ACCESS_KEY    its secret
  DT_BEARER_TOKEN  a bearer token of the server's [auth] for the native API calls; empty when the
                   server runs without authentication
  DT_PROJECT       the project (default "compat")
  DT_COMPRESS      1 (default): the SDK deflates bucket writes; 0: raw bodies

Exits 0 when every check passes, 1 otherwise. See tests/compat/README.md and
scripts/compat-pyodps.sh.
"""

import datetime
import decimal
import json
import os
import sys
import time

os.environ["TZ"] = "UTC"  # DATETIME values on the Tunnel wire are taken as UTC wall-clock values
time.tzset()

PYODPS_PATH = os.environ.get("PYODPS_PATH")
ENDPOINT = os.environ.get("DT_ENDPOINT", "").rstrip("/")
if not PYODPS_PATH or not ENDPOINT:
    sys.exit("set PYODPS_PATH (the PyODPS work tree) and DT_ENDPOINT (http://host:port)")
sys.path.insert(0, PYODPS_PATH)

import requests  # noqa: E402  (Debian: python3-requests)

# Every request the SDK (and this script) sends, in order: (method, path and query, status, notes).
CALLS = []
_send = requests.Session.send


def _logged_send(self, request, **kwargs):
    resp = _send(self, request, **kwargs)
    url = request.url[len(ENDPOINT):] if request.url.startswith(ENDPOINT) else request.url
    auth = request.headers.get("Authorization", "")
    notes = [auth.split(":")[0] if auth else "unsigned"]
    if request.headers.get("Content-Encoding"):
        notes.append("Content-Encoding: " + request.headers["Content-Encoding"])
    CALLS.append((request.method, url, resp.status_code, ", ".join(notes)))
    return resp


requests.Session.send = _logged_send

import odps  # noqa: E402
from odps import ODPS, options  # noqa: E402
from odps.tunnel import TableTunnel  # noqa: E402

ACCESS_ID = os.environ.get("DT_ACCESS_ID", "compat-id")
ACCESS_KEY = os.environ.get("DT_ACCESS_KEY", "compat-secret")
TOKEN = os.environ.get("DT_BEARER_TOKEN", "")
PROJECT = os.environ.get("DT_PROJECT", "compat")
COMPRESS = os.environ.get("DT_COMPRESS", "1") != "0"
TABLE = "pyodps_upsert_%d" % int(time.time() * 1000)

failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def native(method, path, body=None):
    headers = {"Content-Type": "application/json"}
    if TOKEN:
        headers["Authorization"] = "Bearer " + TOKEN
    resp = requests.request(method, ENDPOINT + "/api/v1/projects/" + PROJECT + path,
                            data=None if body is None else json.dumps(body), headers=headers,
                            timeout=30)
    return resp


def read_rows():
    resp = native("GET", "/tables/%s/data" % TABLE)
    if resp.status_code != 200:
        raise RuntimeError("GET data: %d %s" % (resp.status_code, resp.text))
    rows = [json.loads(line) for line in resp.text.splitlines() if line.strip()]
    return {r["id"]: r for r in rows}, resp.headers.get("x-deltatunnel-version")


def expected(i, name=None):
    """The row the script writes for key i (name overrides)."""
    return {
        "id": i,
        "name": name if name is not None else "name-%d" % i,
        "score": i * 1.5,
        "amount": "%d.%02d" % (i, i % 100),
        "flag": i % 2 == 0,
        "day": (datetime.date(2026, 1, 1) + datetime.timedelta(days=i)).isoformat(),
        "ts": "2026-11-25 10:00:%02d" % (i % 60),
    }


def values(i, name=None):
    e = expected(i, name)
    return [i, e["name"], e["score"], decimal.Decimal(e["amount"]), e["flag"],
            datetime.date.fromisoformat(e["day"]),
            datetime.datetime.strptime(e["ts"], "%Y-%m-%d %H:%M:%S")]


def main():
    print("PyODPS %s from %s, server %s, table %s.%s, compress=%s" % (
        odps.__version__, PYODPS_PATH, ENDPOINT, PROJECT, TABLE, COMPRESS))

    # 1. The table, through the native API.
    created = native("POST", "/tables", {
        "name": TABLE,
        "columns": [{"name": "id", "type": "BIGINT"}, {"name": "name", "type": "STRING"},
                    {"name": "score", "type": "DOUBLE"}, {"name": "amount", "type": "DECIMAL(18,2)"},
                    {"name": "flag", "type": "BOOLEAN"}, {"name": "day", "type": "DATE"},
                    {"name": "ts", "type": "DATETIME"}],
        "primary_key": ["id"],
        "properties": {"write.bucket.num": "8"}})
    check(created.status_code == 201, "native API: create table (%d %s)" % (
        created.status_code, created.text[:200] if created.status_code != 201 else ""))
    if created.status_code != 201:
        return

    # 2. The SDK: the server is both the ODPS endpoint and the tunnel endpoint.
    options.retry_times = 1
    o = ODPS(ACCESS_ID, ACCESS_KEY, PROJECT, endpoint=ENDPOINT)
    tunnel = TableTunnel(o, endpoint=ENDPOINT)

    session = tunnel.create_upsert_session(TABLE, slot_num=2)
    check(session.status.value == "NORMAL", "create_upsert_session: status %s" % session.status)
    check([c.name for c in session.schema.columns][:7] ==
          ["id", "name", "score", "amount", "flag", "day", "ts"],
          "session schema: the table's columns, then the hidden ones")
    stream = session.open_upsert_stream(compress=COMPRESS)
    for i in range(1, 101):
        stream.upsert(session.new_record(values(i)))
    stream.upsert(session.new_record(values(7, "seven, updated")))  # last write wins
    stream.delete(session.new_record(values(13)))  # a delete of a key written before
    stream.delete(session.new_record(values(1000)))  # a delete of a key never written
    stream.close()

    rows, _ = read_rows()
    check(len(rows) == 0, "nothing is visible before the commit")
    session.commit()
    check(session.status.value == "COMMITTED", "commit: status %s" % session.status)
    rows, version = read_rows()
    want = {i: expected(i) for i in range(1, 101) if i != 13}
    want[7] = expected(7, "seven, updated")
    check(rows == want, "after commit 1: 99 rows, 7 updated, 13 deleted (version %s)" % version)
    if rows != want:
        for k in sorted(set(rows) | set(want)):
            if rows.get(k) != want.get(k):
                print("      key %s: got %s, want %s" % (k, rows.get(k), want.get(k)))
                break

    # 3. A second session, written in two parts: the second part through a session reloaded by id.
    second = tunnel.create_upsert_session(TABLE, slot_num=1)
    stream = second.open_upsert_stream(compress=COMPRESS)
    stream.upsert(session.new_record(values(200)))
    stream.delete(second.new_record(values(2)))
    stream.close()
    reloaded = tunnel.create_upsert_session(TABLE, upsert_id=second.id)
    check(reloaded.id == second.id and reloaded.status.value == "NORMAL",
          "reload by upsert id: same session, normal")
    stream = reloaded.open_upsert_stream(compress=COMPRESS)
    stream.upsert(reloaded.new_record(values(3, "three, second session")))
    stream.upsert(reloaded.new_record(values(13, "thirteen is back")))
    stream.close()
    reloaded.commit()
    check(reloaded.status.value == "COMMITTED", "commit of the reloaded session")
    rows, version = read_rows()
    want[200] = expected(200)
    del want[2]
    want[3] = expected(3, "three, second session")
    want[13] = expected(13, "thirteen is back")
    check(rows == want, "after commit 2: 200 added, 2 deleted, 3 and 13 written (version %s)"
          % version)

    # 4. An aborted session leaves nothing.
    third = tunnel.create_upsert_session(TABLE)
    stream = third.open_upsert_stream(compress=COMPRESS)
    stream.upsert(third.new_record(values(300)))
    stream.delete(third.new_record(values(4)))
    stream.close()
    third.abort()
    rows, _ = read_rows()
    check(rows == want, "abort: nothing of the aborted session is visible")

    versions = native("GET", "/tables/%s/versions" % TABLE).json()["versions"]
    check(len(versions) == 2, "two versions, one per committed session (%d)" % len(versions))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report the SDK's failure with the calls that led to it
        import traceback
        traceback.print_exc()
        failures.append("exception: %r" % e)
    print("\nHTTP calls (method, path and query, status, Authorization scheme and key id, "
          "Content-Encoding):")
    for method, url, status, notes in CALLS:
        print("  %-6s %s -> %d (%s)" % (method, url, status, notes))
    if failures:
        print("\n%d check(s) failed" % len(failures))
        sys.exit(1)
    print("\nall checks passed")
