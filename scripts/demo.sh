#!/usr/bin/env bash
# Install dependencies, build, and run tb's main job on the embedded local store:
# show the tool, its plugins and config, then pack a real Triton cache into an image,
# list and inspect it, and extract it into a fresh directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
build=${BUILD_DIR:-build}
eval "$(meson devenv -C "$build" --dump)"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step tb version
step tb plugins ls
step tb config show

# --- main job: kernel cache image round trip (embedded store) ---
