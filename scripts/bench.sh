#!/usr/bin/env bash
# Whole-process speed of `tb create` and `tb extract` next to the tools users would otherwise
# run, on one generated Triton-like cache, paired and repeated with hyperfine; prints a markdown
# table (medians, ratios) and the machine's facts. docs/benchmarks.md holds the latest output.
#
#   scripts/bench.sh [--mb N] [--runs N] [--work DIR] [--no-buildah]
#
# --work DIR: where the cache, images and extract targets live (default /dev/shm/tb-bench: tmpfs;
# pass a disk directory to measure the disk). Rows whose tool is missing are left out.
set -euo pipefail
cd "$(dirname "$0")/.."

mb=450 runs=5 work=/dev/shm/tb-bench buildah=1
while [ $# -gt 0 ]; do
	case "$1" in
	--mb) mb=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--no-buildah) buildah=0; shift ;;
	*) echo "usage: $0 [--mb N] [--runs N] [--work DIR] [--no-buildah]" >&2; exit 2 ;;
	esac
done

# The product as users and distributions build it (--buildtype=release), in its own build dir
# so the test build is left alone (no test suites in it; the data-set generator comes with the
# benchmark programs); BUILD_DIR picks another.
build=${BUILD_DIR:-build-bench}
BUILD_DIR=$build TB_BUILDTYPE=${TB_BUILDTYPE:-release} TB_MESON_ARGS=${TB_MESON_ARGS:--Dtests=false} \
	scripts/build.sh
tb=$PWD/$build/core/cli/tb
gen=$PWD/$build/tests/dataset/tb-gen-cache
export TB_PLUGIN_PATH=$(meson devenv -C "$build" printenv TB_PLUGIN_PATH)
export XDG_CONFIG_HOME=$work/config # no user config
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (scripts/deps.sh)" >&2; exit 1; }

mkdir -p "$work"
work=$(cd "$work" && pwd)
cache=$work/cache layout=$work/layout out=$work/out results=$work/results
rm -rf "$results" "$out"
mkdir -p "$results" "$out"

# The data: generated once per size (tests/dataset), then packed by tb in every compression.
if [ ! -f "$work/cache.ready" ] || [ "$(cat "$work/cache.ready")" != "$mb" ]; then
	rm -rf "$cache" "$layout"
	"$gen" "$cache" "$mb" >"$work/cache.summary"
	echo "$mb" >"$work/cache.ready"
fi
rm -rf "$layout"
for c in gzip zstd none; do
	"$tb" create -q --compression $c -d "$cache" -i "oci:$layout:$c" >/dev/null
done
blob() { # the layer blob of tag $1
	local m
	m=$(jq -r --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$layout/index.json")
	jq -r '.layers[0].digest' "$layout/blobs/sha256/${m#sha256:}" | sed 's|sha256:|'"$layout"'/blobs/sha256/|'
}
gzblob=$(blob gzip) tarblob=$(blob none)
files=$(find "$cache" -type f | wc -l)
bytes=$(du -sb "$cache" | cut -f1)

# Rows are declared first, then run in rounds: every round runs each row once (hyperfine, one
# timed run after its prepare step), so load that comes and goes hits all rows alike and each
# row's ratio to its reference is paired round by round. Round 0 is a warm-up, not counted.
names=() prepares=() commands=()
row() { names+=("$1"); prepares+=("$2"); commands+=("$3"); }
fresh="rm -rf $out/d && mkdir -p $out/d"
# Extract: the gzip layer, zstd layer, uncompressed layer; the same gzip/tar blobs by tar; umoci.
row tb_extract_gzip "$fresh" "$tb extract -q --skip-compat -i oci:$layout:gzip -d $out/d/cache"
row tar_xzf "$fresh" "tar -xzf $gzblob -C $out/d"
row tb_extract_zstd "$fresh" "$tb extract -q --skip-compat -i oci:$layout:zstd -d $out/d/cache"
row tar_xf "$fresh" "tar -xf $tarblob -C $out/d"
row tb_extract_none "$fresh" "$tb extract -q --skip-compat -i oci:$layout:none -d $out/d/cache"
if command -v umoci >/dev/null; then
	row umoci_unpack "rm -rf $out/d" "umoci unpack --image $layout:gzip $out/d >/dev/null"
fi

# Create: tb (scan + tar + compression + digests + OCI layout) vs tar | pigz (no image at all).
row tb_create_gzip "rm -rf $out/img" "$tb create -q -d $cache -i oci:$out/img:v1"
row tb_create_zstd "rm -rf $out/img" "$tb create -q --compression zstd -d $cache -i oci:$out/img:v1"
if command -v pigz >/dev/null; then
	row tar_pigz "true" "tar -C $cache -cf - . | pigz -6 > $out/layer.tar.gz"
fi
if [ $buildah = 1 ] && command -v buildah >/dev/null; then
	# Its own storage (vfs: works in containers) and an OCI layout with a gzip layer, like tb.
	bst="--root $work/buildah/root --runroot $work/buildah/run --storage-driver vfs"
	bcmd="c=\$(buildah $bst from scratch) && buildah $bst copy \$c $cache /io.triton.cache >/dev/null && buildah $bst commit -q --disable-compression=false \$c oci:$out/bimg:v1 >/dev/null && buildah $bst rm \$c >/dev/null"
	row buildah_commit "rm -rf $out/bimg; buildah $bst rm -a >/dev/null 2>&1; buildah $bst rmi -a -f >/dev/null 2>&1; true" "bash -c '$bcmd'"
fi

# Pull + extract from a loopback registry (docker-registry on 127.0.0.1, temporary storage
# under the work dir, stopped on exit) vs `skopeo copy` + `umoci unpack` of the same image.
registry_pid=
stop_registry() { [ -z "$registry_pid" ] || kill "$registry_pid" 2>/dev/null || true; }
trap stop_registry EXIT
if command -v docker-registry >/dev/null; then
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	rm -rf "$work/registry" && mkdir -p "$work/registry"
	printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
		"$work/registry/storage" "$port" >"$work/registry/config.yml"
	docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
	registry_pid=$!
	for _ in $(seq 100); do
		curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
		sleep 0.1
	done
	remote=docker://127.0.0.1:$port/bench/cache:gzip
	if "$tb" copy -q "oci:$layout:gzip" "$remote" >/dev/null 2>"$results/push.err"; then
		row tb_pull_extract "$fresh" "$tb extract -q --skip-compat -i $remote -d $out/d/cache"
		if command -v skopeo >/dev/null && command -v umoci >/dev/null; then
			row skopeo_umoci "rm -rf $out/d $out/sk" "skopeo copy -q --src-tls-verify=false $remote oci:$out/sk:x && umoci unpack --image $out/sk:x $out/d >/dev/null"
		fi
	else
		echo "bench: push to the loopback registry failed: $(tail -1 "$results/push.err")" >&2
	fi
fi

for round in $(seq 0 "$runs"); do
	for i in "${!names[@]}"; do
		json=$results/${names[$i]}.$round.json
		hyperfine --style none --runs 1 --prepare "${prepares[$i]}" --export-json "$json" \
			-n "${names[$i]}" "${commands[$i]}" >/dev/null 2>"$results/${names[$i]}.err" || {
			echo "bench: ${names[$i]} failed: $(tail -1 "$results/${names[$i]}.err")" >&2
			rm -f "$json"
		}
		[ "$round" = 0 ] && rm -f "$json"
	done
done
rm -rf "$out" "$work/buildah"

# Whole processes of a few milliseconds (`tb cdi generate`, `tb run --dry-run` on the 8-GPU
# fixture host): one hyperfine run each, many runs, no shell in between. They run tb as
# installed (`meson install` into a staging dir: one plugin directory), not from the build tree,
# whose plugin path lists every plugin's build directory.
hosts=$PWD/tests/data/hosts/h100x8-open-mig
stage=$PWD/$build/stage
rm -rf "$stage"
meson install -C "$build" --destdir "$stage" >/dev/null
libdir=$(dirname "$(find "$stage" -name 'libtb.so.*' -type f | head -1)")
quick() { # name, command...
	local name=$1
	shift
	"$@" >/dev/null 2>&1 || return 0
	hyperfine -N --style none --warmup 5 --runs 60 --export-json "$results/quick.$name.json" \
		-n "$name" "$*" >/dev/null 2>"$results/quick.$name.err" || true
}
if [ -d "$hosts" ]; then
	(
		export LD_LIBRARY_PATH=$libdir TB_PLUGIN_PATH=$libdir/tb/plugins
		itb=$(find "$stage" -path '*/bin/tb' -type f)
		quick tb_cdi_generate "$itb" --host-root "$hosts" cdi generate
		quick tb_run_dry_run "$itb" --host-root "$hosts" run --dry-run --runtime podman \
			--gpus all docker.io/library/busybox true
	)
	rm -rf "$stage"
fi

# The table: medians, ratio to each row's reference, and the machine.
/usr/bin/python3 - "$results" "$mb" "$files" "$bytes" "$work" "$runs" <<'PY'
import json, os, statistics, subprocess, sys
res, mb, files, nbytes, work, runs = sys.argv[1:]
def times(name, cpu=False):  # {round: seconds}, wall or user + system
    out = {}
    for f in os.listdir(res):
        if f.startswith(name + ".") and f.endswith(".json"):
            r = json.load(open(os.path.join(res, f)))["results"][0]
            out[f.split(".")[-2]] = r["user"] + r["system"] if cpu else r["times"][0]
    return out
def cpu_s(name):
    t = times(name, True)
    return statistics.median(t.values()) if t else None
def med(name):
    t = times(name)
    return statistics.median(t.values()) if t else None
def paired(name, ref):  # median of the per-round ratios
    a, b = times(name), times(ref)
    r = [a[k] / b[k] for k in a if k in b]
    return statistics.median(r) if r else None
rows = [  # name, what, reference, target ratio (None = no target)
    ("tb_extract_gzip", "`tb extract`, gzip layer", "tar_xzf", 0.6),
    ("tar_xzf", "`tar -xzf` of the same gzip layer", None, None),
    ("tb_extract_zstd", "`tb extract`, zstd layer", "tar_xf", 1.1),
    ("tb_extract_none", "`tb extract`, uncompressed layer", "tar_xf", None),
    ("tar_xf", "`tar -xf` of the uncompressed layer", None, None),
    ("umoci_unpack", "`umoci unpack`, gzip layer", "tb_extract_gzip", None),
    ("tb_create_gzip", "`tb create` (gzip)", "tar_pigz", 1.0),
    ("tb_create_zstd", "`tb create --compression zstd`", "tb_create_gzip", 1.0),
    ("tar_pigz", "`tar -cf - DIR \\| pigz -6`", None, None),
    ("buildah_commit", "buildah from + copy + commit (gzip oci:)", "tb_create_gzip", None),
    ("tb_pull_extract", "`tb extract -i docker://` (loopback registry, gzip)", "tb_extract_gzip", 1.2),
    ("skopeo_umoci", "`skopeo copy docker://` + `umoci unpack`", "tb_pull_extract", None),
]
def sh(c):
    try:
        return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return "?"
cpu = sh("lscpu | sed -n 's/^Model name: *//p' | head -1")
fstype = sh(f"df -T {work} | awk 'NR==2{{print $2}}'")
print(f"Machine: {cpu}; {os.cpu_count()} CPUs; kernel {os.uname().release}; "
      f"work dir {work} on {fstype}; load average {os.getloadavg()[0]:.1f} at the end.")
print(f"Data: {files} files, {int(nbytes)/1e6:.1f} MB (tb-gen-cache {mb} MiB, seed 1); "
      f"{runs} interleaved rounds after a warm-up round (hyperfine, one run per row per round); "
      f"medians; ratios are medians of the per-round ratios.\n")
print("| command | median wall | CPU (user+sys) | vs | ratio (wall) | target |")
print("| --- | --- | --- | --- | --- | --- |")
for name, what, ref, target in rows:
    m = med(name)
    if m is None:
        continue
    q = paired(name, ref) if ref else None
    ratio = f"{q:.2f}×" if q else ""
    vs = f"`{ref}`" if q else ""
    tgt = ""
    if target is not None and q:
        tgt = f"≤ {target}× — {'met' if q <= target else 'NOT met'}"
    print(f"| {what} (`{name}`) | {m:.3f} s | {cpu_s(name):.2f} s | {vs} | {ratio} | {tgt} |")
q = paired("skopeo_umoci", "tb_pull_extract")
if q:
    print(f"\n`skopeo copy` + `umoci unpack` / `tb extract -i docker://` = {q:.1f}× (target ≥ 4×: {'met' if q >= 4 else 'NOT met'})")
quick = [("tb_cdi_generate", "`tb cdi generate` (8 GPUs, fixture)", 5),
         ("tb_run_dry_run", "`tb run --dry-run` (8 GPUs, fixture)", 10)]
shown = False
for name, what, target in quick:
    f = os.path.join(res, f"quick.{name}.json")
    if not os.path.exists(f):
        continue
    r = json.load(open(f))["results"][0]
    m = statistics.median(r["times"]) * 1e3
    c = (r["user"] + r["system"]) * 1e3
    if not shown:
        print("\nWhole processes of a few milliseconds (hyperfine -N, 5 warm-up + 60 runs):\n")
        print("| command | median wall | mean CPU (user+sys) | target |")
        print("| --- | --- | --- | --- |")
        shown = True
    print(f"| {what} (`{name}`) | {m:.1f} ms | {c:.1f} ms | ≤ {target} ms — {'met' if m <= target else 'NOT met'} |")
q = paired("buildah_commit", "tb_create_gzip")
if q:
    print(f"\nbuildah / `tb create` (gzip) = {q:.1f}× (target ≥ 8×: {'met' if q >= 8 else 'NOT met'})")
PY
