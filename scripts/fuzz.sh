#!/usr/bin/env bash
# Run one libFuzzer target: scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]
# TARGET is a name of tests/fuzz/meson.build (reference, oci_json, config, ...), or "list".
# Builds ${FUZZ_BUILD_DIR:-build-fuzz} with clang (-Dfuzz=true) on first use. The run starts
# from the seeds in tests/fuzz/corpus/TARGET/ and keeps what it finds in
# ${FUZZ_WORK:-build-fuzz/corpus}/TARGET (the seeds are never modified); crashes are written
# to ${FUZZ_WORK}/TARGET-artifacts/. Exit status: libFuzzer's (0 = clean run).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options]}
seconds=${2:-60}
shift $(($# < 2 ? $# : 2))
build=${FUZZ_BUILD_DIR:-build-fuzz}
if [ "$target" = list ]; then
	sed -n "s/^\t'\([a-z_]*\)' : .*/\1/p" tests/fuzz/meson.build
	exit 0
fi
if [ ! -f "$build/build.ninja" ]; then
	CXX=${FUZZ_CXX:-clang++-14} meson setup "$build" --buildtype=debugoptimized -Dfuzz=true -Db_lundef=false \
		-Dtests=false -Dbenches=false -Dwerror=false >/dev/null
fi
exe=fuzz-${target//_/-}
ninja -C "$build" -j "${TB_JOBS:-$(nproc)}" "tests/fuzz/$exe" >/dev/null
work=${FUZZ_WORK:-$build/corpus}
mkdir -p "$work/$target" "$work/$target-artifacts"
# UBSan findings are crashes; ASan's leak check stays on.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
exec "$build/tests/fuzz/$exe" -max_total_time="$seconds" -print_final_stats=1 \
	-rss_limit_mb=4096 -timeout=30 -artifact_prefix="$work/$target-artifacts/" "$@" \
	"$work/$target" "tests/fuzz/corpus/$target"
