"""Every metric the server exports appears in the metrics table of docs/operations.md, with its
labels, and every metric of the table exists (issue 29). The metrics are those a real server
answers on /metrics after a little traffic, and every "deltatunnel_..." name in server/src (some
appear only after an event, such as a throttled request).

usage: metrics_test.py SERVER_BINARY REPO_ROOT
"""
import glob
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

from doc_server import running_server


def call(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def traffic(dt):
    """A table, a load, a read, a compaction: enough for the event metrics to exist."""
    t = dt + "/api/v1/projects/m/tables"
    call("POST", t, json.dumps({"name": "t", "columns": [{"name": "id", "type": "BIGINT"}],
                                "primary_key": ["id"]}).encode(), {"content-type": "application/json"})
    call("POST", t + "/t/load", b'{"id": 1}\n', {"content-type": "application/x-ndjson"})
    call("GET", t + "/t/data")
    call("POST", t + "/t/compact")
    call("GET", dt + "/api/v1/compactions")


def scrape(text):
    """name -> set of label names, from the Prometheus text format."""
    out = {}
    types = dict(re.findall(r"^# TYPE (\w+) (\w+)", text, re.M))
    for name in types:
        out[name] = set()
    for m in re.finditer(r"^(\w+)(?:\{([^}]*)\})? ", text, re.M):
        name = m.group(1)
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[: -len(suffix)] in types:
                name = name[: -len(suffix)]
        labels = set(re.findall(r"(\w+)=\"", m.group(2) or "")) - {"le"}
        out.setdefault(name, set()).update(labels)
    return out


def main():
    binary, root = sys.argv[1], sys.argv[2]
    with running_server(binary) as dt:
        traffic(dt)
        # The state gauges (tables, slots, compaction) are refreshed once a second: wait until the
        # refresh saw the table made above, so they hold what the traffic did.
        deadline = time.monotonic() + 60
        while True:
            status, text = call("GET", dt + "/metrics")
            if status != 200:
                raise SystemExit("/metrics answered %d" % status)
            if re.search(r"^deltatunnel_tables [1-9]", text, re.M) and "deltatunnel_slots_in_use" in text:
                break
            if time.monotonic() > deadline:
                raise SystemExit("the state gauges did not show the traffic within 60 s:\n" + text)
            time.sleep(0.1)
    exported = scrape(text)
    names = set(exported)
    for f in glob.glob(os.path.join(root, "server/src/**/*.cc"), recursive=True):
        names.update(re.findall(r"\"(deltatunnel_\w+)\"", open(f).read()))
    ops = open(os.path.join(root, "docs/operations.md")).read()
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(deltatunnel_\w+)` \|[^|]*\|([^|]*)\|", ops, re.M)}
    failures = []
    for n in sorted(names):
        if n not in rows:
            failures.append("docs/operations.md: metric %s is not in the metrics table" % n)
            continue
        for label in sorted(exported.get(n, ())):
            if "`%s`" % label not in rows[n]:
                failures.append("docs/operations.md: metric %s: label `%s` is not listed" % (n, label))
    for n in sorted(set(rows) - names):
        failures.append("docs/operations.md lists metric %s, which the server does not export" % n)
    for f in failures:
        print("FAIL", f)
    print("%d metrics (%d scraped), %d failures" % (len(names), len(exported), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
