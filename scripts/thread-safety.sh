#!/usr/bin/env bash
# Builds the storage library with clang's thread-safety analysis (-Wthread-safety, the lock order
# with -Wthread-safety-beta, -Werror): fails on any lock annotation the code breaks
# (storage/src/thread_annotations.h). Storage only, in its own build folder (BUILD_DIR, default
# build-thread-safety).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-thread-safety}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DDT_THREAD_SAFETY=ON -DDT_WERROR=ON \
  -DDT_BUILD_TESTS=OFF -DDT_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target dt_storage dt_store_cluster
