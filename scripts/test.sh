#!/usr/bin/env bash
# The README's test command: installs what it needs, builds, and runs the default test suite
# (unit and integration tests; stress cases are `scripts/test.sh --stress`; the S3 client against a
# Ceph RADOS Gateway it brings up, `scripts/test.sh --s3`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} ${CMAKE_ARGS:-} >/dev/null
# BUILD_TARGETS (space-separated) limits the build, e.g. to the unit test binaries.
cmake --build "$BUILD_DIR" -j "$(nproc)" ${BUILD_TARGETS:+--target $BUILD_TARGETS}
if [[ "${1:-}" == "--stress" ]]; then
  ctest --test-dir "$BUILD_DIR" -L stress --output-on-failure
elif [[ "${1:-}" == "--s3" ]]; then
  ctest --test-dir "$BUILD_DIR" -L '^s3$' --output-on-failure
else
  ctest --test-dir "$BUILD_DIR" -LE 'stress|^s3$' --output-on-failure ${CTEST_ARGS:-}
fi
