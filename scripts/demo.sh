#!/usr/bin/env bash
# Install dependencies, build, and run tb's main job on the embedded local store:
# show the tool, its plugins and config, then pack a real Triton cache into an image,
# list and inspect it, and extract it into a fresh directory.
set -euo pipefail
cd "$(dirname "$0")/.."
# TB_DEMO_NO_SETUP=1 runs on an existing build (the integration test does, inside meson test).
if [ "${TB_DEMO_NO_SETUP:-}" != 1 ]; then
	scripts/deps.sh
	scripts/build.sh
fi
build=${BUILD_DIR:-build}
# meson's devenv dump appends ":$LD_LIBRARY_PATH"; under `set -u` that must exist, and an empty
# trailing entry would put the working directory on the library path.
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}
eval "$(meson devenv -C "$build" --dump)"
LD_LIBRARY_PATH=${LD_LIBRARY_PATH%:}

# Bold headers only for a person at a terminal: not in logs or pipes, and never with NO_COLOR.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	bold=$'\033[1m' plain=$'\033[0m'
else
	bold='' plain=''
fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }

step tb version
step tb plugins ls
step tb config show

# --- main job: kernel cache image round trip (embedded store) ---
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
export XDG_DATA_HOME="$demo/data" # a fresh embedded store, so the demo leaves yours alone
fixture=tests/data/caches/vector-add-cuda-sm75
step tb create -i vector-add:cuda -d "$fixture"
step tb images
step tb inspect vector-add:cuda
# The preflight compares the image targets with the host GPUs; this machine has none, so the
# GPUs come from a fixture host tree with a Tesla T4 (sm_75).
step tb --host-root tests/data/hosts/t4-proprietary extract -i vector-add:cuda -d "$demo/triton-cache"
step find "$demo/triton-cache" -type f
# Triton only finds grouped files at absolute paths: they now point into the new cache dir.
step cat "$demo/triton-cache/5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ/__grp__add_kernel.json"

# --- GPU containers: what `tb run` hands the runtime (a dry run writes nothing) ---
# Bolt is not installed here: the dry run shows the integration-contract form and the run's
# CDI spec for the fixture host's Tesla T4 (docs/runtimes/bolt.md).
step tb --host-root tests/data/hosts/t4-proprietary run --dry-run --runtime bolt --profile gaming \
	--isolation shared docker.io/library/ubuntu:24.04 nvidia-smi
