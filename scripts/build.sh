#!/usr/bin/env bash
# Configure (once) and build tb into ${BUILD_DIR:-build}. Used by demo.sh and test.sh.
# CI and developer builds make warnings fatal (-Dwerror=true); the project default does not,
# so that a user's `meson setup --buildtype=release` never stops on a new compiler's warning.
# TB_BUILDTYPE (default debugoptimized) and TB_MESON_ARGS (extra setup options) pick the
# configuration of a new build dir.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ]; then
	# shellcheck disable=SC2086 # TB_MESON_ARGS is a list of options
	meson setup "$build" --buildtype="${TB_BUILDTYPE:-debugoptimized}" -Dwerror=true \
		${TB_MESON_ARGS:-} >/dev/null
fi
ninja -C "$build" -j "${TB_JOBS:-$(nproc)}" >/dev/null || ninja -C "$build" -j 1
