"""Every config key the server reads appears in docs/operations.md and in conf/deltatunnel.toml,
and every key docs/operations.md documents is read (issue 29).

The keys are read from the code: server/src/core/config*.cc reads a TOML table with TableReader
(r.Bool("name"), r.Uint, r.String, r.StringList, r.Section("name", ... ReadX ...),
r.Tables("name", ... ReadX ...)); starting at ReadTop, sections give "section.key" and arrays of
tables "section.array[].key".

usage: config_keys_test.py REPO_ROOT
"""
import glob
import os
import re
import sys
import tomllib

LEAF = re.compile(r"\.(Bool|Uint|Int|Double|String|StringList)\(\s*\"(\w+)\"")
NESTED = re.compile(r"\.(Section|Tables)\(\s*\"(\w+)\"(.*?)\b(Read\w+)\(", re.S)


def functions(source):
    """name -> body of every `Status ReadX(TableReader& ...)` function."""
    out = {}
    for m in re.finditer(r"^Status (Read\w+)\(TableReader& \w+[^)]*\) \{\n(.*?)^\}", source, re.S | re.M):
        out[m.group(1)] = m.group(2)
    return out


def keys_read(source):
    fns = functions(source)
    keys = []

    def walk(fn, prefix, seen):
        if fn not in fns or fn in seen:
            raise SystemExit("config test: cannot follow reader function %s" % fn)
        body = fns[fn]
        for m in LEAF.finditer(body):
            keys.append(prefix + m.group(2))
        for m in NESTED.finditer(body):
            kind, name, _, sub = m.groups()
            if kind == "Tables":
                keys.append(prefix + name)
                walk(sub, prefix + name + "[].", seen | {fn})
            else:
                walk(sub, prefix + name + ".", seen | {fn})

    walk("ReadTop", "", frozenset())
    leaves = {m.group(2) for m in LEAF.finditer(source)}
    unreached = leaves - {k.rsplit(".", 1)[-1] for k in keys}
    if unreached:
        raise SystemExit("config test: keys %s are read outside the functions reached from "
                         "ReadTop; teach this test where they live" % sorted(unreached))
    return keys


def in_toml(key, parsed, text):
    if "[]" in key:  # arrays of tables: documented by an example in a comment
        leaf = key.rsplit(".", 1)[-1]
        return re.search(r"\b%s\s*=" % re.escape(leaf), text) is not None
    node = parsed
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def main():
    root = sys.argv[1]
    source = "\n".join(open(f).read() for f in sorted(glob.glob(os.path.join(root, "server/src/core/config*.cc"))))
    keys = keys_read(source)
    if len(keys) < 20:
        raise SystemExit("config test: found only %d keys; is the reader still TableReader?" % len(keys))
    ops = open(os.path.join(root, "docs/operations.md")).read()
    toml_text = open(os.path.join(root, "conf/deltatunnel.toml")).read()
    parsed = tomllib.loads(toml_text)
    section = re.search(r"^## Configuration\n(.*?)(?=^## )", ops, re.S | re.M)
    if not section:
        raise SystemExit("docs/operations.md has no '## Configuration' section")
    documented = set(re.findall(r"^\| `([\w.\[\]]+)` \|", section.group(1), re.M))
    failures = []
    for k in keys:
        if k not in documented:
            failures.append("docs/operations.md: no row for config key `%s` in the configuration table" % k)
        if not in_toml(k, parsed, toml_text):
            failures.append("conf/deltatunnel.toml: config key %s is missing" % k)
    for k in sorted(documented - set(keys)):
        failures.append("docs/operations.md documents config key `%s`, which the server does not read" % k)
    for f in failures:
        print("FAIL", f)
    print("%d keys, %d failures" % (len(keys), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
