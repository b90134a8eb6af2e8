#!/usr/bin/env bash
# Configure (once) and build tb into ${BUILD_DIR:-build}. Used by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=debugoptimized >/dev/null
fi
ninja -C "$build" -j "${TB_JOBS:-$(nproc)}" >/dev/null || ninja -C "$build" -j 1
