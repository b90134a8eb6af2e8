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
# The header quotes the words a shell would split, so it can be pasted back.
step() {
	local line='' a
	for a in "$@"; do
		[[ $a =~ ^[A-Za-z0-9@%+=:,./_-]+$ ]] || a=\'${a//\'/\'\\\'\'}\'
		line+="${line:+ }$a"
	done
	printf '\n%s$ %s%s\n' "$bold" "$line" "$plain"
	"$@"
}

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

# --- a real GPU container: `tb run --runtime podman` with the kernel cache, in one command ---
# No GPU here, so the container gets the fixture T4 host, copied with its device-node
# stand-ins made real, harmless character devices (the numbers of /dev/null). podman uses a
# store of its own under the demo dir and a busybox rootfs; this sandbox forbids raising
# rlimits, so its containers.conf points podman at tests/podman/runc-no-rlimits (runc without
# process.rlimits), the wrapper the tests use.
podman_demo_skip() {
	[ "$(id -u)" = 0 ] || { echo "not root"; return; }
	for p in podman runc jq; do command -v "$p" >/dev/null || { echo "no $p"; return; }; done
	[ -x /bin/busybox ] || echo "no /bin/busybox (busybox-static)"
}
why=$(podman_demo_skip)
if [ -n "$why" ]; then
	# shellcheck disable=SC2016 # backquotes meant literally
	printf '\n(skipping the real `tb run --runtime podman`: %s)\n' "$why"
	exit 0
fi
pm="$demo/podman"
mkdir -p "$pm/rootfs/bin" "$pm/rootfs/dev" "$pm/rootfs/proc" "$pm/rootfs/sys" "$pm/tmp" \
	"$demo/runtime"
cat >"$pm/containers.conf" <<CONF
[engine]
runtime = "demo-runc"
[engine.runtimes]
demo-runc = ["$PWD/tests/podman/runc-no-rlimits"]
CONF
cat >"$pm/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$pm/root"
runroot = "$pm/run"
CONF
export CONTAINERS_CONF="$pm/containers.conf" CONTAINERS_STORAGE_CONF="$pm/storage.conf"
export TMPDIR="$pm/tmp" XDG_CACHE_HOME="$demo/cache" XDG_RUNTIME_DIR="$demo/runtime"
cp /bin/busybox "$pm/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$pm/rootfs/bin/$applet"
done
tar -C "$pm/rootfs" -cf "$pm/rootfs.tar" .
podman import -q "$pm/rootfs.tar" localhost/tb-demo-busybox:latest >/dev/null
host="$demo/host"
cp -a tests/data/hosts/t4-proprietary "$host"
find "$host/dev" -type f -size -65c | while read -r node; do
	read -r type _ mode <"$node" || true
	[ "$type" = c ] || continue
	rm "$node" && mknod -m "${mode:-0666}" "$node" c 1 3
done
# Removes the overlay views of runs that were stopped hard, then the store (vfs: plain dirs).
trap '{ grep -o " $demo/[^ ]*" /proc/self/mounts | xargs -r umount -l; } || true; rm -rf "$demo"' EXIT
# The aiml profile's variables, the T4's device nodes and the kernel cache made above, in
# one container; the run's CDI spec lives in /var/run/cdi only while it runs.
# shellcheck disable=SC2016 # expanded in the container
step tb --host-root "$host" run --runtime podman --profile aiml --cache-image vector-add:cuda \
	--runtime-arg=--network=none localhost/tb-demo-busybox:latest sh -c \
	'env | grep -E "^(NVIDIA|CUDA|TRITON)_" | sort; ls -l /dev/nvidia0 /dev/nvidiactl; ls "$TRITON_CACHE_DIR"'
