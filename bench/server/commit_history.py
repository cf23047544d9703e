#!/usr/bin/env python3
"""Load latency and server memory as one table's history grows (docs/benchmarks.md).

Starts a server on a fresh data directory, creates a 16-bucket table and sends LOADS small native
loads (16 rows each, one commit each) back to back on one connection; after every STEP loads it
prints the loads' p50 and p99 latency and the server's VmRSS. Every commit stays in the table's
history for its retention (acid.data.retain.hours, 24 by default): a commit whose cost grows with
that history shows here as a p50 that climbs with the load count. Loads refused with 429 or 503
are sent again after their Retry-After and not counted.

Usage: commit_history.py [--server build/server/deltatunnel-server] [--loads 20000] [--step 2000]
                         [--retain-hours 24]
Needs python3-requests.
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time

import requests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="build/server/deltatunnel-server")
    ap.add_argument("--loads", type=int, default=20000)
    ap.add_argument("--step", type=int, default=2000)
    ap.add_argument("--port", type=int, default=18977)
    ap.add_argument("--retain-hours", type=int, default=24,
                    help="the table's acid.data.retain.hours (0 to 168)")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="dt-history-")
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen(
        [args.server, "--listen", f"127.0.0.1:{args.port}", "--data-dir",
         os.path.join(work, "data")], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{args.port}"
    http = requests.Session()
    try:
        for _ in range(200):
            try:
                if http.get(base + "/readyz").status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        r = http.post(base + "/api/v1/projects/p/tables", json={
            "name": "t", "primary_key": ["k"],
            "properties": {"acid.data.retain.hours": str(args.retain_hours)},
            "columns": [{"name": "k", "type": "BIGINT"}, {"name": "v", "type": "STRING"}]})
        r.raise_for_status()
        print(f"{args.loads} loads of 16 rows into one 16-bucket table, one commit each, "
              f"retention {args.retain_hours} h")
        key = 0
        latencies = []
        start = time.time()
        done = 0
        while done < args.loads:
            body = "\n".join(json.dumps({"k": key + j, "v": "x"}) for j in range(16))
            t0 = time.time()
            r = http.post(base + "/api/v1/projects/p/tables/t/load", data=body,
                          headers={"Content-Type": "application/x-ndjson"})
            if r.status_code in (429, 503):
                time.sleep(float(r.headers.get("Retry-After", "1")))
                continue
            r.raise_for_status()
            latencies.append(time.time() - t0)
            key += 16
            done += 1
            if done % args.step == 0:
                latencies.sort()
                p50 = latencies[len(latencies) // 2] * 1000
                p99 = latencies[int(len(latencies) * 0.99)] * 1000
                rss = next(int(line.split()[1]) for line in open(f"/proc/{server.pid}/status")
                           if line.startswith("VmRSS"))
                print(f"  after {done:>7} loads: p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  "
                      f"server RSS {rss // 1024:>5} MiB  ({time.time() - start:.0f} s)",
                      flush=True)
                latencies = []
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
