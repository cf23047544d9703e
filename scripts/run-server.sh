#!/usr/bin/env bash
# The README's first command: installs what it needs, builds the server (Release) and runs it on the
# embedded default, conf/deltatunnel.toml: 127.0.0.1:8080, data in ./data. Extra flags pass through
# (--listen HOST:PORT, --data-dir DIR, --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDT_BUILD_TESTS=OFF -DDT_BUILD_BENCH=OFF >/dev/null
cmake --build build-release --target deltatunnel-server -j "$(nproc)"
exec build-release/server/deltatunnel-server --config conf/deltatunnel.toml "$@"
