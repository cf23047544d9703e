"""Runs every ```sh example of docs/api.md, in order, in one shell, against a real server, and
checks each answer against the `# expect` line that opens its block (issue 29: docs that cannot
rot). Also checks that every endpoint of docs/openapi.json has at least one example.

  # expect STATUS [KIND[: FIELD ...]] [; header NAME ...]

KIND is json (an object with those top-level keys), ndjson (every line an object with those keys;
with fields, at least one line), csv (a header line naming those columns), text (the body contains
each FIELD), binary (some bytes: a record stream), or empty (no body). The block's last curl call
is the one checked; `$DT` is the endpoint.

usage: api_examples_test.py SERVER_BINARY DOCS_DIR
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

from doc_server import running_server

EXPECT = re.compile(r"^# expect (\d{3})(?: (json|ndjson|csv|text|binary|empty))?(?:: ([^;]*))?((?:; header [\w-]+)*)\s*$")


def blocks_of(markdown):
    out = []
    for m in re.finditer(r"^```sh\n(.*?)^```", markdown, re.S | re.M):
        line = markdown.count("\n", 0, m.start()) + 1
        out.append((line, m.group(1)))
    return out


def parse_expect(line_no, block):
    first = block.split("\n", 1)[0]
    m = EXPECT.match(first)
    if not m:
        raise SystemExit("docs/api.md:%d: an example must open with '# expect STATUS ...', not %r"
                         % (line_no, first))
    headers = re.findall(r"; header ([\w-]+)", m.group(4) or "")
    return int(m.group(1)), m.group(2), (m.group(3) or "").split(), headers


def check_body(kind, fields, body):
    if kind is None:
        return None
    if kind == "empty":
        return None if body == "" else "expected no body, got %r" % body[:200]
    if kind == "json":
        try:
            doc = json.loads(body)
        except ValueError as e:
            return "not JSON (%s): %r" % (e, body[:200])
        if fields and not isinstance(doc, dict):
            return "expected a JSON object, got %r" % body[:200]
        missing = [f for f in fields if f not in doc]
        return "missing fields %s in %r" % (missing, body[:300]) if missing else None
    if kind == "ndjson":
        lines = [l for l in body.split("\n") if l]
        if fields and not lines:
            return "expected at least one NDJSON line"
        for l in lines:
            try:
                obj = json.loads(l)
            except ValueError:
                return "not an NDJSON line: %r" % l[:200]
            missing = [f for f in fields if f not in obj]
            if missing:
                return "line %r lacks %s" % (l[:200], missing)
        return None
    if kind == "csv":
        header = body.split("\n", 1)[0].strip().split(",")
        missing = [f for f in fields if f not in header]
        return "CSV header %r lacks %s" % (header, missing) if missing else None
    if kind == "binary":
        # A record stream or other bytes: some came (what they say is the client tests' business).
        return None if body else "expected a body, got none"
    if kind == "text":
        missing = [f for f in fields if f not in body]
        return "body lacks %s: %r" % (missing, body[:300]) if missing else None
    return "unknown kind " + kind


def last_status(header_text):
    codes = re.findall(r"^HTTP/[\d.]+ (\d{3})", header_text, re.M)
    return int(codes[-1]) if codes else None


def endpoint_of(args, dt):
    """(METHOD, path) of one curl call's arguments."""
    method, url, has_body = None, None, False
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-X", "--request"):
            method = args[i + 1]
            i += 1
        elif a.startswith("-X") and len(a) > 2:
            method = a[2:]
        elif a in ("-d", "--data", "--data-binary", "--data-raw", "-T", "--upload-file"):
            has_body = True
            i += 1
        elif a.startswith(dt):
            url = a[len(dt):]
        elif a in ("-H", "--header", "-o", "-w", "-u"):
            i += 1
        i += 1
    if url is None:
        return None
    path = url.split("?", 1)[0] or "/"
    return (method or ("POST" if has_body else "GET")), path


def matches(template, path):
    pattern = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template)) + "$"
    return re.match(pattern, path) is not None


def main():
    binary, docs = sys.argv[1], sys.argv[2]
    markdown = open(os.path.join(docs, "api.md")).read()
    openapi = json.load(open(os.path.join(docs, "openapi.json")))
    examples = blocks_of(markdown)
    if len(examples) < 10:
        raise SystemExit("docs/api.md has only %d sh examples" % len(examples))
    expectations = [parse_expect(line, block) for line, block in examples]
    failures = []
    with tempfile.TemporaryDirectory(prefix="dt-api-md-") as tmp, \
            running_server(binary, ["--backup-dir", os.path.join(tmp, "backups")]) as dt:
        script = ["set -u", "export DT=%s" % shlex.quote(dt),
                  'curl() { printf "%q " "$@" >> "$__A"; echo >> "$__A"; '
                  'command curl -sS -D "$__H" "$@" > "$__B"; local rc=$?; cat "$__B"; return $rc; }']
        for i, (_, block) in enumerate(examples):
            p = os.path.join(tmp, str(i))
            script += ["__H=%s.h; __B=%s.b; __A=%s.a; : > $__H; : > $__B; : > $__A" % (p, p, p),
                       "{\n%s\n} > %s.out 2>&1" % (block, p), "echo $? > %s.rc" % p]
        run = subprocess.run(["bash", "-c", "\n".join(script)], timeout=600)
        if run.returncode != 0:
            failures.append("the example script exited %d" % run.returncode)
        called = []
        for i, (line, block) in enumerate(examples):
            p = os.path.join(tmp, str(i))
            status, kind, fields, headers = expectations[i]
            where = "docs/api.md:%d" % line
            read = lambda ext: open(p + ext, errors="replace").read()
            calls = [shlex.split(l) for l in read(".a").splitlines() if l.strip()]
            if not calls:
                failures.append("%s: the example calls no curl" % where)
                continue
            called += [endpoint_of(c, dt) for c in calls]
            if read(".rc").strip() != "0":
                failures.append("%s: the example failed:\n%s" % (where, read(".out")))
                continue
            got = last_status(read(".h"))
            if got != status:
                failures.append("%s: expected %d, got %s: %s" % (where, status, got, read(".b")[:300]))
                continue
            why = check_body(kind, fields, read(".b"))
            if why:
                failures.append("%s: %s" % (where, why))
            answered = {h.split(":", 1)[0].strip().lower() for h in read(".h").splitlines() if ":" in h}
            for h in headers:
                if h.lower() not in answered:
                    failures.append("%s: the answer lacks header %s" % (where, h))
    for path, item in openapi["paths"].items():
        for method in item:
            if not any(c and c[0] == method.upper() and matches(path, c[1]) for c in called):
                failures.append("docs/api.md has no example of %s %s (docs/openapi.json)"
                                % (method.upper(), path))
    for f in failures:
        print("FAIL", f)
    print("%d examples, %d failures" % (len(examples), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
