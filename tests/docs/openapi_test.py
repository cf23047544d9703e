"""Checks docs/openapi.json against the rules of OpenAPI 3.0 a reader or generator trips over
(Debian 12 packages no OpenAPI validator): the required top-level objects; every operation with an
operationId (unique), a summary and responses keyed by status code, each with a description;
every `{name}` of a path declared as a required path parameter and no path parameter that is not
in the path; parameters with `in`, `name` and a schema; every `$ref` pointing at something that
exists; request bodies with content. The routes themselves are checked against the server's
router by server_tests "[openapi]".

usage: openapi_test.py DOCS_DIR
"""
import json
import os
import re
import sys

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def resolve(doc, ref):
    if not ref.startswith("#/"):
        return None
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def refs_in(node, where, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                out.append((where, v))
            else:
                refs_in(v, where + "/" + k, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            refs_in(v, "%s/%d" % (where, i), out)


def deref(doc, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 10:
        node = resolve(doc, node["$ref"])
        seen += 1
    return node


def main():
    doc = json.load(open(os.path.join(sys.argv[1], "openapi.json")))
    errors = []
    if not re.match(r"^3\.0\.\d+$", str(doc.get("openapi", ""))):
        errors.append("openapi: not 3.0.x: %r" % doc.get("openapi"))
    for key in ("title", "version"):
        if not doc.get("info", {}).get(key):
            errors.append("info.%s missing" % key)
    if not doc.get("paths"):
        errors.append("no paths")

    refs = []
    refs_in(doc, "#", refs)
    for where, ref in refs:
        if resolve(doc, ref) is None:
            errors.append("%s: $ref %s points at nothing" % (where, ref))

    operation_ids = {}
    for path, item in doc.get("paths", {}).items():
        if not path.startswith("/"):
            errors.append("%s: a path must start with /" % path)
        in_path = set(re.findall(r"\{([^}]+)\}", path))
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method not in METHODS:
                continue
            where = "%s %s" % (method.upper(), path)
            oid = op.get("operationId")
            if not oid:
                errors.append("%s: no operationId" % where)
            elif oid in operation_ids:
                errors.append("%s: operationId %s also on %s" % (where, oid, operation_ids[oid]))
            else:
                operation_ids[oid] = where
            if not op.get("summary"):
                errors.append("%s: no summary" % where)
            declared = set()
            for p in shared + op.get("parameters", []):
                p = deref(doc, p)
                if not isinstance(p, dict):
                    continue
                if not p.get("name") or p.get("in") not in ("path", "query", "header", "cookie"):
                    errors.append("%s: a parameter needs name and in: %r" % (where, p))
                    continue
                if "schema" not in p and "content" not in p:
                    errors.append("%s: parameter %s has no schema" % (where, p["name"]))
                if p["in"] == "path":
                    declared.add(p["name"])
                    if p.get("required") is not True:
                        errors.append("%s: path parameter %s must be required" % (where, p["name"]))
            for name in sorted(in_path - declared):
                errors.append("%s: {%s} is not declared as a path parameter" % (where, name))
            for name in sorted(declared - in_path):
                errors.append("%s: path parameter %s is not in the path" % (where, name))
            responses = op.get("responses")
            if not responses:
                errors.append("%s: no responses" % where)
                continue
            for code, response in responses.items():
                if not re.match(r"^([1-5]\d\d|[1-5]XX|default)$", code):
                    errors.append("%s: response key %r is not a status code" % (where, code))
                response = deref(doc, response)
                if not isinstance(response, dict) or not response.get("description"):
                    errors.append("%s: response %s has no description" % (where, code))
            body = deref(doc, op.get("requestBody"))
            if body is not None and not (isinstance(body, dict) and body.get("content")):
                errors.append("%s: requestBody without content" % where)

    if errors:
        print("docs/openapi.json:")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("docs/openapi.json: %d paths, %d operations, %d $refs: ok"
          % (len(doc["paths"]), len(operation_ids), len(refs)))


if __name__ == "__main__":
    main()
