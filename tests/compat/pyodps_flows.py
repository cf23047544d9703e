#!/usr/bin/env python3
"""PyODPS's ordinary user code against deltatunnel: the ODPS control plane (issue 22).

Through PyODPS only (imported from $PYODPS_PATH, a work tree of
https://github.com/aliyun/aliyun-odps-python-sdk), for each endpoint form
  * ODPS(..., endpoint=E + "/api")                     (the usual form; no tunnel endpoint given)
  * ODPS(..., endpoint=E, tunnel_endpoint=E)
the script runs the flows of ../shared/design/odps-control-plane.md section 3:
  exist_table (False), exist_project, list_tables, create_table(transactional=True, primary_key=..., table_properties=...),
  exist_table (True), get_table + reload (schema, is_transactional, primary_key), create_partition,
  exist_partition, partitions listed, open_writer(create_partition=True) with upserts and deletes,
  open_reader (pyodps's SQL read of a primary-key table), compaction through SQL (a Merge task),
  truncate of a partition, delete_partition, other SQL refused with ParseError, NoSuchObject for a
  missing table, delete_table.

Environment: PYODPS_PATH (required), DT_ENDPOINT (required), DT_ACCESS_ID / DT_ACCESS_KEY (the
server's access key when its authentication is on; anything when it is off), DT_PROJECT.
Exits 0 when every check passes, 1 otherwise. Run by scripts/compat-pyodps.sh.
"""

import os
import sys
import time
import warnings

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
    CALLS.append((request.method, url, resp.status_code))
    return resp


requests.Session.send = _logged_send

from odps import ODPS, errors  # noqa: E402
from odps.models import TableSchema  # noqa: E402

ACCESS_ID = os.environ.get("DT_ACCESS_ID", "compat-id")
ACCESS_KEY = os.environ.get("DT_ACCESS_KEY", "compat-secret")
PROJECT = os.environ.get("DT_PROJECT", "compat")

failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def raises(exc_type, fn, what):
    try:
        fn()
    except exc_type as e:
        check(True, "%s (%s)" % (what, type(e).__name__))
        return e
    except Exception as e:  # noqa: BLE001  (the wrong error is a failure, with its name)
        check(False, "%s: raised %s: %s" % (what, type(e).__name__, e))
        return None
    check(False, "%s: raised nothing" % what)
    return None


def rows_of(table, partition):
    with warnings.catch_warnings():
        # pyodps warns that its ?result fallback holds at most 10000 records.
        warnings.simplefilter("ignore")
        with table.open_reader(partition=partition) as reader:
            return sorted((r["id"], r["name"], r["score"]) for r in reader)


def flow(o, form):
    name = "flow_%s_%d" % (form, int(time.time() * 1000))
    print("--- %s: table %s" % (form, name))
    check(not o.exist_table(name), "exist_table is False before create_table")

    schema = TableSchema.from_lists(
        ["id", "name", "score"], ["bigint", "string", "double"], ["pt"], ["string"]
    )
    o.create_table(
        name,
        schema,
        transactional=True,
        primary_key="id",
        if_not_exists=True,
        table_properties={"write.bucket.num": "4"},
        lifecycle=7,
    )
    check(o.exist_table(name), "exist_table is True after create_table")
    check(o.exist_project(PROJECT), "exist_project")
    listed = [t.name for t in o.list_tables(prefix=name)]
    check(listed == [name], "list_tables(prefix=...): %s" % listed)
    # IF NOT EXISTS: the second create is a no-op
    o.create_table(name, schema, transactional=True, primary_key="id", if_not_exists=True)

    t = o.get_table(name)
    t.reload()
    check([c.name for c in t.table_schema.simple_columns] == ["id", "name", "score"],
          "get_table: data columns")
    check([str(c.type).lower() for c in t.table_schema.simple_columns] == ["bigint", "string", "double"],
          "get_table: column types")
    check([c.name for c in t.table_schema.partitions] == ["pt"], "get_table: partition columns")
    check(bool(t.is_transactional), "is_transactional")
    check(list(t.primary_key) == ["id"], "primary_key")
    check(t.lifecycle == 7, "lifecycle")

    t.create_partition("pt=a", if_not_exists=True)
    t.create_partition("pt=a", if_not_exists=True)
    check(t.exist_partition("pt=a"), "exist_partition pt=a after create_partition")
    check(not t.exist_partition("pt=zz"), "exist_partition pt=zz is False")

    with t.open_writer(partition="pt=b", create_partition=True) as w:
        w.write([[1, "one", 1.5], [2, "two", 2.5], [3, "three", 3.5]])
    with t.open_writer(partition="pt=b") as w:
        w.write([[2, "TWO", 20.0]])
        w.delete([[3, None, None]])
    parts = sorted(str(p.partition_spec).replace("'", "") for p in t.partitions)
    check(parts == ["pt=a", "pt=b"], "partitions listed: %s" % parts)
    check(t.exist_partition("pt=b"), "exist_partition pt=b after open_writer(create_partition=True)")
    max_part = str(t.get_max_partition(skip_empty=False).partition_spec).replace("'", "")
    check(max_part == "pt=b", "get_max_partition: %s" % max_part)

    got = rows_of(t, "pt=b")
    check(got == [(1, "one", 1.5), (2, "TWO", 20.0)], "open_reader after upserts and deletes: %s" % got)
    check(rows_of(t, "pt=a") == [], "open_reader of the empty partition")
    head = sorted((r["id"], r["name"]) for r in t.head(5, partition="pt=b"))
    check(head == [(1, "one"), (2, "TWO")], "head(5, partition='pt=b'): %s" % head)

    inst = o.execute_sql("ALTER TABLE %s PARTITION (pt='b') COMPACT MAJOR" % name)
    check(inst.is_successful(), "COMPACT MAJOR through a Merge task")
    check(rows_of(t, "pt=b") == got, "rows unchanged by compaction")

    t.truncate("pt=b")
    check(rows_of(t, "pt=b") == [], "open_reader after truncate('pt=b')")
    check(t.exist_partition("pt=b"), "a truncated partition stays")
    t.delete_partition("pt=a")
    check(not t.exist_partition("pt=a"), "exist_partition pt=a is False after delete_partition")
    t.delete_partition("pt=a", if_exists=True)
    raises(errors.ODPSError, lambda: t.delete_partition("pt=a"),
           "delete_partition of a dropped partition fails")
    parts = sorted(str(p.partition_spec).replace("'", "") for p in t.partitions)
    check(parts == ["pt=b"], "partitions listed after delete_partition: %s" % parts)
    with t.open_writer(partition="pt=b") as w:
        w.write([[4, "four", 4.5]])
    check(rows_of(t, "pt=b") == [(4, "four", 4.5)], "writes after the truncate")
    raises(errors.ParseError, lambda: o.execute_sql("INSERT INTO %s PARTITION (pt='a') VALUES (9, 'x', 1.0)" % name),
           "INSERT is refused with ParseError")
    raises(errors.ParseError,
           lambda: o.create_table(name + "_plain", "k bigint, v string"),
           "a table without a primary key is refused with ParseError")
    check(not o.exist_table(name + "_plain"), "the refused create left nothing")
    raises(errors.NoSuchObject, lambda: o.get_table(name + "_none").reload(),
           "get_table(...).reload() of a missing table raises NoSuchObject")

    o.delete_table(name, if_exists=True)
    check(not o.exist_table(name), "exist_table is False after delete_table")
    o.delete_table(name, if_exists=True)


def main():
    forms = [
        ("api", ODPS(ACCESS_ID, ACCESS_KEY, project=PROJECT, endpoint=ENDPOINT + "/api")),
        ("bare", ODPS(ACCESS_ID, ACCESS_KEY, project=PROJECT, endpoint=ENDPOINT,
                      tunnel_endpoint=ENDPOINT)),
    ]
    for form, o in forms:
        try:
            flow(o, form)
        except Exception as e:  # noqa: BLE001  (report, then list the calls)
            import traceback

            traceback.print_exc()
            check(False, "%s flow raised %s: %s" % (form, type(e).__name__, e))
    print("--- HTTP calls")
    for method, url, status in CALLS:
        print("%-6s %3d %s" % (method, status, url))
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
