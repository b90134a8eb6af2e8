#!/usr/bin/env python3
# The files `ninja` must build for the test programs of the given meson suites (and every
# plugin, which tests load at run time): scripts/suite_targets.py BUILD_DIR SUITE...
import json, os, subprocess, sys
build = sys.argv[1]
suites = set(sys.argv[2:]) or {"unit", "loader", "conformance"}
intro = lambda what: json.loads(subprocess.check_output(['meson', 'introspect', build, what]))
targets = intro('--targets')
byid = {t['id']: t for t in targets}
want = set()
for t in intro('--tests'):
    if not {s.split(':')[-1] for s in t['suite']} & suites:
        continue
    want.add(t['cmd'][0])
    for d in t.get('depends', []):
        if d in byid:
            want.update(byid[d]['filename'])
for t in targets:
    if t['type'] in ('shared module', 'shared library'):
        want.update(t['filename'])
root = os.path.realpath(build)
print('\n'.join(sorted(os.path.relpath(f, root) for f in want if os.path.realpath(f).startswith(root))))
