#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang and runs each for a bounded time, starting
# from its committed seed corpus (tests/fuzz/corpus/<target>/). Debian 12, as root or with sudo.
#
#   scripts/fuzz.sh                        every target, FUZZ_SECONDS each
#   scripts/fuzz.sh fuzz_csv_reader ...    only those
#
# Environment: FUZZ_SECONDS (60) per target; BUILD_DIR (build-fuzz); FUZZ_JOBS (build parallelism,
# nproc); FUZZ_FLAGS (more libFuzzer flags, e.g. "-max_len=65536").
# Inputs that found new coverage go to $BUILD_DIR/fuzz-corpus/<target>/ (the committed seeds are
# only read). A crash, leak, timeout or sanitizer report stops that target, leaves the input in
# $BUILD_DIR/fuzz-findings/<target>/ and makes the script exit 1 once every target ran; reproduce
# with `$BUILD_DIR/tests/fuzz/<target> <file>`.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
BUILD_DIR=${BUILD_DIR:-build-fuzz}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc)}
ALL_TARGETS=(fuzz_record_stream fuzz_decompress fuzz_ndjson_reader fuzz_csv_reader fuzz_odps_request
  fuzz_http_request)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${ALL_TARGETS[@]}")

# Build dependencies, then clang with libFuzzer. On Debian 12 the `clang` package does not bring
# libFuzzer: libclang_rt.fuzzer*.a is in libclang-rt-14-dev, which clang only recommends (and
# `--no-install-recommends` skips it).
scripts/install-deps.sh
missing=()
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "fuzz: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  >"$probe/probe.cc"
if ! clang++ -fsanitize=fuzzer "$probe/probe.cc" -o "$probe/probe" 2>"$probe/err"; then
  cat "$probe/err" >&2
  echo "fuzz: clang++ cannot link libFuzzer (-fsanitize=fuzzer); is libclang-rt-14-dev installed?" >&2
  exit 2
fi

CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDT_BUILD_FUZZ=ON -DDT_BUILD_TESTS=OFF -DDT_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$FUZZ_JOBS" --target "${targets[@]}"

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
failed=()
for t in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/$t
  corpus=$BUILD_DIR/fuzz-corpus/$t
  findings=$BUILD_DIR/fuzz-findings/$t
  mkdir -p "$corpus" "$findings"
  [[ -d "$seeds" ]] || { echo "fuzz: no seed corpus $seeds" >&2; exit 2; }
  echo "=== $t: ${FUZZ_SECONDS} s"
  # -timeout: one input may take at most 10 s; -rss_limit_mb bounds memory per run.
  # shellcheck disable=SC2086
  if "$BUILD_DIR/tests/fuzz/$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$findings/" ${FUZZ_FLAGS:-} "$corpus" "$seeds"; then
    echo "=== $t: no findings"
  else
    echo "=== $t: FAILED, see $findings/" >&2
    failed+=("$t")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${FUZZ_SECONDS} s each, no findings"
