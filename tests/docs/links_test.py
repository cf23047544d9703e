"""The markdown link check (issue 29): every relative link of the repository's markdown files
points at a file or folder that exists (and, with #anchor into a markdown file, a heading that
exists); every other link is a public https URL. No link leaves the repository any other way
(../shared/..., file:, http:, absolute paths).

usage: links_test.py REPO_ROOT
"""
import os
import re
import subprocess
import sys

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
SKIP_DIRS = {".git", "build", "node_modules", "vendor"}


def markdown_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard", "*.md"], capture_output=True,
                             text=True, check=True).stdout.split()
        if out:
            return sorted(set(out))
    except (OSError, subprocess.CalledProcessError):
        pass
    found = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS and not x.startswith("build")]
        found += [os.path.relpath(os.path.join(d, f), root) for f in files if f.endswith(".md")]
    return sorted(found)


def anchors(path):
    out = set()
    in_code = False
    for line in open(path):
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        slug = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
        out.add(slug)
    return out


def strip_code(text):
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def main():
    root = os.path.abspath(sys.argv[1])
    failures = []
    files = markdown_files(root)
    for rel in files:
        text = strip_code(open(os.path.join(root, rel)).read())
        for target in LINK.findall(text):
            where = "%s: (%s)" % (rel, target)
            if target.startswith("https://"):
                continue
            if re.match(r"^[a-z]+:", target):
                failures.append(where + ": only public https:// links may leave the repository")
                continue
            path, _, anchor = target.partition("#")
            if path.startswith("/"):
                failures.append(where + ": an absolute path; link relative to the file")
                continue
            dest = os.path.normpath(os.path.join(root, os.path.dirname(rel), path)) if path else os.path.join(root, rel)
            if os.path.commonpath([dest, root]) != root:
                failures.append(where + ": points outside the repository")
                continue
            if not os.path.exists(dest):
                failures.append(where + ": no such file")
                continue
            if anchor and dest.endswith(".md") and anchor not in anchors(dest):
                failures.append(where + ": no heading #%s" % anchor)
    for f in failures:
        print("FAIL", f)
    print("%d markdown files, %d failures" % (len(files), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
