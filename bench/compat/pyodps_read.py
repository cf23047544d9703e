#!/usr/bin/env python3
"""PyODPS's open_reader against deltatunnel, beside PyODPS's own cost of decoding the same stream.

Issue 22's figure: `open_reader` of 1 M rows through PyODPS, in seconds, next to what PyODPS alone
spends decoding those rows, so that one can see whether the server is the bottleneck. One run:

1. starts the server (SERVER, a fresh data folder, authentication off) and loads ROWS rows of about
   100 bytes (id BIGINT key, name STRING of 64 characters, score DOUBLE, qty BIGINT, flag BOOLEAN)
   through the native NDJSON load, 100,000 rows a request;
2. **open_reader**: `o.get_table(t).open_reader()` read to the end, as a PyODPS user writes it (an
   SQL instance `SELECT * FROM t`, then the instance tunnel);
3. **server stream alone**: the same rows' Tunnel download stream (a table download session,
   `?downloadid&data&rowrange=(0,ROWS)`) read into memory without decoding;
4. **PyODPS decoding alone**: those bytes decoded from memory by PyODPS's own TunnelRecordReader,
   no network.

Each of 2-4 runs RUNS times; the best and the median are printed. The server is not the bottleneck
when (3) is a small part of (2) and (2) is close to (4).

Environment: PYODPS_PATH (required: a work tree of aliyun/aliyun-odps-python-sdk, the folder that
holds odps/; tests/compat/README.md says how to get one), SERVER (build/server/deltatunnel-server),
ROWS (1000000), RUNS (3), KEEP=1 keeps the server's folder. Needs python3-requests.

    PYODPS_PATH=/tmp/pyodps python3 bench/compat/pyodps_read.py
"""

import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PYODPS_PATH = os.environ.get("PYODPS_PATH")
if not PYODPS_PATH or not os.path.isfile(os.path.join(PYODPS_PATH, "odps", "__init__.py")):
    sys.exit("set PYODPS_PATH to a work tree of aliyun-odps-python-sdk (the folder holding odps/)")
sys.path.insert(0, PYODPS_PATH)

import requests  # noqa: E402  (Debian: python3-requests)

import odps  # noqa: E402
from odps import ODPS, options  # noqa: E402
from odps.tunnel import TableTunnel  # noqa: E402
from odps.tunnel.io.reader import TunnelRecordReader  # noqa: E402
from odps.tunnel.io.stream import get_decompress_stream  # noqa: E402

SERVER = os.environ.get("SERVER", "build/server/deltatunnel-server")
ROWS = int(os.environ.get("ROWS", "1000000"))
RUNS = int(os.environ.get("RUNS", "3"))
PROJECT = "bench"
TABLE = "pyodps_read"
BATCH = 100000


def start_server(folder):
    config = os.path.join(folder, "config.toml")
    with open(config, "w") as f:
        f.write('data_dir = "%s"\nlog_level = "warn"\n' % os.path.join(folder, "data"))
    port_file = os.path.join(folder, "port")
    log = open(os.path.join(folder, "server.log"), "w")
    proc = subprocess.Popen([SERVER, "--config", config, "--listen", "127.0.0.1:0",
                             "--port-file", port_file], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        if proc.poll() is not None:
            sys.exit("the server exited; its log is in %s" % folder)
        if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
            endpoint = "http://127.0.0.1:%s" % open(port_file).read().strip()
            try:
                if requests.get(endpoint + "/readyz", timeout=1).status_code == 200:
                    return proc, endpoint
            except requests.RequestException:
                pass
        time.sleep(0.1)
    proc.kill()
    sys.exit("the server did not become ready; its log is in %s" % folder)


def load(endpoint):
    api = endpoint + "/api/v1/projects/" + PROJECT
    created = requests.post(api + "/tables", json={
        "name": TABLE,
        "columns": [{"name": "id", "type": "BIGINT"}, {"name": "name", "type": "STRING"},
                    {"name": "score", "type": "DOUBLE"}, {"name": "qty", "type": "BIGINT"},
                    {"name": "flag", "type": "BOOLEAN"}],
        "primary_key": ["id"], "properties": {"write.bucket.num": "4"}}, timeout=30)
    if created.status_code != 201:
        sys.exit("create table: %d %s" % (created.status_code, created.text))
    pad = "x" * 56
    for first in range(0, ROWS, BATCH):
        body = "".join(
            json.dumps({"id": i, "name": ("name-%07d%s" % (i, pad))[:64], "score": i * 0.25,
                        "qty": i % 1000, "flag": i % 2 == 0}) + "\n"
            for i in range(first, min(first + BATCH, ROWS)))
        r = requests.post(api + "/tables/" + TABLE + "/load", data=body.encode(),
                          headers={"Content-Type": "application/x-ndjson"}, timeout=300)
        if r.status_code != 200:
            sys.exit("load: %d %s" % (r.status_code, r.text))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def open_reader(o):
    n = 0
    with o.get_table(TABLE).open_reader() as reader:
        for _ in reader:
            n += 1
    return n


def server_stream(tunnel):
    session = tunnel.create_download_session(TABLE)
    stream = session._build_input_stream(0, session.count)  # the SDK's own request, undecoded
    chunks = []
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    return session.schema, b"".join(chunks)


def decode(schema, data):
    def stream_creator(cursor, row_number=None, raw_size=None):
        if cursor != 0:
            raise RuntimeError("the in-memory stream cannot resume at %d" % cursor)
        return get_decompress_stream(io.BytesIO(data), None, requests=False)  # raw

    n = 0
    with TunnelRecordReader(schema, stream_creator) as reader:
        for _ in reader:
            n += 1
    return n


def summary(name, seconds):
    best, median = min(seconds), statistics.median(seconds)
    print("%-34s best %7.2f s (%8.0f rows/s)   median %7.2f s   runs: %s" % (
        name, best, ROWS / best, median, " ".join("%.2f" % s for s in seconds)))
    return best


def main():
    folder = tempfile.mkdtemp(prefix="dt-bench-pyodps-")
    proc, endpoint = start_server(folder)
    try:
        print("PyODPS %s (%s), Python %s, server %s, %s; %d rows, %d runs" % (
            odps.__version__, "Cython" if _cython() else "pure Python", platform.python_version(),
            SERVER, platform.node(), ROWS, RUNS))
        seconds, _ = timed(lambda: load(endpoint))
        print("load (native NDJSON, %d rows a request): %.1f s" % (BATCH, seconds))

        options.retry_times = 1
        o = ODPS("bench-id", "bench-secret", PROJECT, endpoint=endpoint + "/api")
        tunnel = TableTunnel(o, endpoint=endpoint)
        reads, streams, decodes = [], [], []
        for _ in range(RUNS):
            seconds, n = timed(lambda: open_reader(o))
            assert n == ROWS, "open_reader read %d rows, not %d" % (n, ROWS)
            reads.append(seconds)
            seconds, (schema, data) = timed(lambda: server_stream(tunnel))
            streams.append(seconds)
            seconds, n = timed(lambda: decode(schema, data))
            assert n == ROWS, "decoding read %d rows, not %d" % (n, ROWS)
            decodes.append(seconds)
        print("stream: %d bytes (%.1f bytes a row)" % (len(data), len(data) / ROWS))
        read = summary("open_reader (PyODPS, end to end)", reads)
        stream = summary("server stream alone (undecoded)", streams)
        alone = summary("PyODPS decoding alone (memory)", decodes)
        print("open_reader / decoding alone: %.2f; server stream / open_reader: %.2f" % (
            read / alone, stream / read))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if os.environ.get("KEEP") == "1":
            print("kept %s" % folder)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _cython():
    try:
        from odps.tunnel.io import reader_c  # noqa: F401
        return True
    except ImportError:
        return False


if __name__ == "__main__":
    main()
