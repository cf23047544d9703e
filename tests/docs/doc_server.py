"""Starts the real deltatunnel-server for a documentation test: a free port, a temporary data
directory, authentication off; stopped with SIGTERM when the block ends."""
import contextlib
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


@contextlib.contextmanager
def running_server(binary, extra_args=()):
    with tempfile.TemporaryDirectory(prefix="dt-docs-") as tmp:
        port_file = os.path.join(tmp, "port")
        log = open(os.path.join(tmp, "server.log"), "w+")
        proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--data-dir", os.path.join(tmp, "data"),
             "--port-file", port_file, "--log-level", "warn", *extra_args],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            endpoint = wait_ready(proc, port_file, log)
            yield endpoint
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


def wait_ready(proc, port_file, log, timeout_s=120):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError("the server exited with %s:\n%s" % (proc.returncode, log.read()))
        if os.path.exists(port_file):
            endpoint = "http://127.0.0.1:%s" % open(port_file).read().strip()
            try:
                with urllib.request.urlopen(endpoint + "/readyz", timeout=5) as r:
                    if r.status == 200:
                        return endpoint
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.05)
    raise RuntimeError("the server was not ready within %d s" % timeout_s)
