#!/usr/bin/env bash
# Fails if clang-format (.clang-format) would change any of our C++ files.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.h' '*.cc' | grep -v '^build')
[[ -z "$files" ]] && exit 0
echo "$files" | xargs clang-format --dry-run --Werror
