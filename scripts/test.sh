#!/usr/bin/env bash
# Install dependencies, build, and run every meson test suite (unit, loader, conformance,
# integration); print per-suite and total counts of test cases.
# TB_TEST_SUMMARY_ONLY=JUNIT.xml only prints the summary of that file (tested by meson).
set -euo pipefail
cd "$(dirname "$0")/.."

# meson counts test programs; count the GoogleTest cases inside them too. meson's JUnit
# names a GoogleTest suite "<project>.<project>:<suite> / <test>.<GTestSuite>" and a plain
# (exit-code) test "<project>:<suite> / <test>" as the test case; both carry the suite.
summary() {
	/usr/bin/python3 - "$1" <<'PY'
import os, re, sys, xml.etree.ElementTree as ET
path = sys.argv[1]
if not os.path.exists(path):
    print(f"no test results: {path} missing", file=sys.stderr)
    print("0 passed, 0 failed, 0 skipped")
    sys.exit(0)
suite_re = re.compile(r':([^ :/]+) / ')
counts = {}
for ts in ET.parse(path).getroot().iter('testsuite'):
    for tc in ts.iter('testcase'):
        m = suite_re.search(ts.get('name', '')) or suite_re.search(tc.get('name', ''))
        c = counts.setdefault(m.group(1) if m else 'other', [0, 0, 0])
        if tc.find('failure') is not None or tc.find('error') is not None:
            c[1] += 1
        elif tc.find('skipped') is not None:
            c[2] += 1
        else:
            c[0] += 1
order = ['unit', 'loader', 'conformance', 'integration']
for k in sorted(counts, key=lambda s: (order.index(s) if s in order else len(order), s)):
    p, f, s = counts[k]
    print(f"{k}: {p} passed, {f} failed, {s} skipped")
total = [sum(v[i] for v in counts.values()) for i in range(3)]
print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
PY
}

if [ -n "${TB_TEST_SUMMARY_ONLY:-}" ]; then
	summary "$TB_TEST_SUMMARY_ONLY"
	exit 0
fi

scripts/deps.sh
scripts/build.sh
build=${BUILD_DIR:-build}
# The configuration packagers use: release (-O3, NDEBUG), where GCC warns differently than at
# -O2. Built with warnings fatal, so a release-only warning fails CI rather than a user's
# build (which has werror off); tests and benches are left out, the debugoptimized build runs
# them.
BUILD_DIR=${RELEASE_BUILD_DIR:-build-release} TB_BUILDTYPE=release \
	TB_MESON_ARGS="-Dtests=false -Dbenches=false" scripts/build.sh

status=0
meson test -C "$build" --no-rebuild --print-errorlogs --num-processes "${TB_TEST_JOBS:-2}" "$@" || status=$?
summary "$build/meson-logs/testlog.junit.xml"
# Every benchmark once in short mode (small data, one repetition) so none can rot; prints their
# figures. The full comparison is scripts/bench.sh (docs/benchmarks.md).
if [ $# -eq 0 ] && [ "${TB_TEST_BENCH:-1}" != 0 ]; then
	echo "== benchmarks (short mode) =="
	TB_BENCH_SHORT=1 meson test -C "$build" --no-rebuild --benchmark --num-processes 1 \
		--logbase benchlog --verbose || status=$?
fi

# TB_SANITIZE=1: the unit, loader and conformance suites again under ASan + UBSan, in a second
# build dir (docs/security.md). Any report fails the test that printed it.
if [ "${TB_SANITIZE:-0}" = 1 ] && [ $# -eq 0 ]; then
	asan=${ASAN_BUILD_DIR:-build-asan}
	if [ ! -f "$asan/build.ninja" ]; then
		meson setup "$asan" --buildtype=debugoptimized -Db_sanitize=address,undefined \
			-Db_lundef=false -Dbenches=false >/dev/null
	fi
	# Only what those suites run (their programs and the plugins they load), not the
	# integration tests: an instrumented build is slow.
	mapfile -t targets < <(/usr/bin/python3 scripts/suite_targets.py "$asan" unit loader conformance)
	ninja -C "$asan" -j "${TB_JOBS:-$(nproc)}" "${targets[@]}" >/dev/null ||
		ninja -C "$asan" -j 1 "${targets[@]}"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$asan" --no-rebuild --print-errorlogs \
		--num-processes "${TB_TEST_JOBS:-2}" --suite unit --suite loader --suite conformance ||
		status=$?
	echo "ASan + UBSan:"
	summary "$asan/meson-logs/testlog.junit.xml"
fi
exit $status
