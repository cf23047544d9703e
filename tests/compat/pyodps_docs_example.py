#!/usr/bin/env python3
"""Runs docs/clients.md's PyODPS example, as written, against a running deltatunnel server.

The first ```python block under "## PyODPS" in docs/clients.md is executed with only its endpoint
line changed to the server's address (E = $DT_ENDPOINT), then what it read is checked: the table
exists and is transactional with its primary key, the partition is listed, the rows read back are
the upsert that survived the delete. Run it against a server with authentication off (the example's
credentials are placeholders); scripts/compat-pyodps.sh does.

Environment: PYODPS_PATH and DT_ENDPOINT (required). Exits 0 when every check passes.
"""

import os
import re
import sys
import time

os.environ["TZ"] = "UTC"
time.tzset()

PYODPS_PATH = os.environ.get("PYODPS_PATH")
ENDPOINT = os.environ.get("DT_ENDPOINT", "").rstrip("/")
if not PYODPS_PATH or not ENDPOINT:
    sys.exit("set PYODPS_PATH (the PyODPS work tree) and DT_ENDPOINT (http://host:port)")
sys.path.insert(0, PYODPS_PATH)

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "clients.md")


def example():
    text = open(DOC, encoding="utf-8").read()
    section = text[text.index("\n## PyODPS\n"):]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    if not match:
        sys.exit("docs/clients.md: no python block under ## PyODPS")
    code = match.group(1)
    endpoint_line = 'E = "http://127.0.0.1:8080"'
    if endpoint_line not in code:
        sys.exit("docs/clients.md: the example's endpoint line changed: %s" % endpoint_line)
    return code.replace(endpoint_line, "E = %r" % ENDPOINT)


failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def main():
    namespace = {}
    exec(compile(example(), "docs/clients.md (PyODPS example)", "exec"), namespace)
    o, t, rows = namespace["o"], namespace["t"], namespace["rows"]
    check(o.exist_table("orders"), "the example's table exists")
    t.reload()
    check(t.is_transactional and list(t.primary_key) == ["id"],
          "transactional with primary key id: %s %s" % (t.is_transactional, t.primary_key))
    names = [str(p.partition_spec).replace("'", "") for p in t.partitions]
    check(names == ["ds=20261125"], "the partition is listed: %s" % names)
    check([r[:3] for r in rows] == [(1, "one", 1.5)],
          "open_reader read the upsert that survived the delete: %s" % rows)
    o.delete_table("orders")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        failures.append("exception: %r" % e)
    print("\n%d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)
