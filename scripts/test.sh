#!/usr/bin/env bash
# Install dependencies, build, and run every meson test suite (unit, loader, conformance,
# integration); print per-suite and total counts of test cases.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
build=${BUILD_DIR:-build}

status=0
meson test -C "$build" --no-rebuild --print-errorlogs --num-processes "${TB_TEST_JOBS:-2}" "$@" || status=$?

# meson counts test programs; count the GoogleTest cases inside them too.
/usr/bin/python3 - "$build/meson-logs/testlog.junit.xml" <<'PY' || true
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = {}
for ts in root.iter('testsuite'):
    name = ts.get('name', '')
    suite = name.split('/')[0].replace('tb:', '').strip() or 'other'
    for tc in ts.iter('testcase'):
        s = suites.setdefault(suite, [0, 0, 0])
        if tc.find('failure') is not None or tc.find('error') is not None:
            s[1] += 1
        elif tc.find('skipped') is not None:
            s[2] += 1
        else:
            s[0] += 1
total = [sum(v[i] for v in suites.values()) for i in range(3)]
for k in sorted(suites):
    p, f, s = suites[k]
    print(f"{k}: {p} passed, {f} failed, {s} skipped")
print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
PY
exit $status
