#!/usr/bin/env python3
"""A real Tunnel SDK client against deltatunnel: PyODPS's TableDownloadSession.

Creates a partitioned Delta table through deltatunnel's native API and writes it through PyODPS's
upsert session, then, through PyODPS (imported from $PYODPS_PATH, a work tree of
https://github.com/aliyun/aliyun-odps-python-sdk), opens a download session on one partition and
reads it with open_record_reader: whole, in ranges, some columns, raw and deflated; a commit that
lands after the session opened must not show in it. Every HTTP call the SDK makes is listed.

Environment: PYODPS_PATH and DT_ENDPOINT (required), DT_ACCESS_ID, DT_ACCESS_KEY,
DT_BEARER_TOKEN, DT_PROJECT, as for pyodps_upsert.py. Exits 0 when every check passes.
"""

import datetime
import decimal
import json
import os
import sys
import time

os.environ["TZ"] = "UTC"
time.tzset()

PYODPS_PATH = os.environ.get("PYODPS_PATH")
ENDPOINT = os.environ.get("DT_ENDPOINT", "").rstrip("/")
if not PYODPS_PATH or not ENDPOINT:
    sys.exit("set PYODPS_PATH (the PyODPS work tree) and DT_ENDPOINT (http://host:port)")
sys.path.insert(0, PYODPS_PATH)

import requests  # noqa: E402  (Debian: python3-requests)

CALLS = []
_send = requests.Session.send


def _logged_send(self, request, **kwargs):
    resp = _send(self, request, **kwargs)
    url = request.url[len(ENDPOINT):] if request.url.startswith(ENDPOINT) else request.url
    notes = []
    if request.headers.get("Accept-Encoding"):
        notes.append("Accept-Encoding: " + request.headers["Accept-Encoding"])
    if resp.headers.get("Content-Encoding"):
        notes.append("answered " + resp.headers["Content-Encoding"])
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
TABLE = "pyodps_download_%d" % int(time.time() * 1000)

failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def native(method, path, body=None):
    headers = {"Content-Type": "application/json"}
    if TOKEN:
        headers["Authorization"] = "Bearer " + TOKEN
    return requests.request(method, ENDPOINT + "/api/v1/projects/" + PROJECT + path,
                            data=None if body is None else json.dumps(body), headers=headers,
                            timeout=30)


def values(i, tag="v"):
    return [i, "%s-%d" % (tag, i), i * 1.5, decimal.Decimal("%d.%02d" % (i, i % 100)), i % 2 == 0,
            datetime.date(2026, 1, 1) + datetime.timedelta(days=i),
            datetime.datetime(2026, 11, 25, 10, 0, i % 60)]


def write(tunnel, partition, rows, tag):
    session = tunnel.create_upsert_session(TABLE, partition_spec=partition, slot_num=1)
    stream = session.open_upsert_stream(compress=True)
    for i in rows:
        stream.upsert(session.new_record(values(i, tag)))
    stream.close()
    session.commit()


def main():
    print("PyODPS %s from %s, server %s, table %s.%s" % (
        odps.__version__, PYODPS_PATH, ENDPOINT, PROJECT, TABLE))
    created = native("POST", "/tables", {
        "name": TABLE,
        "columns": [{"name": "id", "type": "BIGINT"}, {"name": "name", "type": "STRING"},
                    {"name": "score", "type": "DOUBLE"}, {"name": "amount", "type": "DECIMAL(18,2)"},
                    {"name": "flag", "type": "BOOLEAN"}, {"name": "day", "type": "DATE"},
                    {"name": "ts", "type": "DATETIME"}],
        "primary_key": ["id"],
        "partition_columns": [{"name": "ds", "type": "STRING"}],
        "properties": {"write.bucket.num": "4"}})
    check(created.status_code == 201, "native API: create table")
    if created.status_code != 201:
        print(created.text)
        return

    options.retry_times = 1
    o = ODPS(ACCESS_ID, ACCESS_KEY, PROJECT, endpoint=ENDPOINT)
    tunnel = TableTunnel(o, endpoint=ENDPOINT)
    write(tunnel, "ds=a", range(1, 301), "a")
    write(tunnel, "ds=b", range(1, 11), "b")

    session = tunnel.create_download_session(TABLE, partition_spec="ds=a")
    check(session.count == 300, "create_download_session: count %s" % session.count)
    check(session.status.value == "NORMAL", "status %s" % session.status)

    write(tunnel, "ds=a", range(250, 400), "late")  # not in the session's snapshot

    want = {i: values(i, "a") for i in range(1, 301)}
    for compress in (False, True):
        with session.open_record_reader(0, session.count, compress=compress) as reader:
            got = {r["id"]: r for r in reader}
        ok = len(got) == 300 and all(
            [got[i][c] for c in ("id", "name", "score", "amount", "flag", "day", "ts")] == want[i]
            for i in want)
        check(ok, "open_record_reader(0, 300, compress=%s): the snapshot, every value" % compress)
        if not ok and got:
            k = sorted(got)[0]
            print("      first row: %s, want %s" % (list(got[k].values), want.get(k)))
        check(all(r["ds"] == "a" for r in got.values()), "rows carry the partition value")

    ids = []
    for start, count in ((0, 100), (100, 150), (250, 50)):
        with session.open_record_reader(start, count) as reader:
            ids.extend(r["id"] for r in reader)
    check(sorted(ids) == list(range(1, 301)), "three ranges read every row once")

    with session.open_record_reader(0, 5, columns=["name", "id"]) as reader:
        rows = list(reader)
    check(len(rows) == 5 and all(r["name"] == "a-%d" % r["id"] for r in rows),
          "columns=['name', 'id']")

    later = tunnel.create_download_session(TABLE, partition_spec="ds=a")
    check(later.count == 399, "a new session sees the late commit: count %s" % later.count)
    again = tunnel.create_download_session(TABLE, partition_spec="ds=a", download_id=session.id)
    check(again.count == 300, "reload by download id: count %s" % again.count)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        failures.append("exception: %r" % e)
    print("\nHTTP calls:")
    for method, url, status, notes in CALLS:
        print("  %-6s %s -> %d %s" % (method, url[:150], status, notes))
    print("\n%d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)
