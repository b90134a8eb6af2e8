#!/usr/bin/env bash
# Install every build and test dependency of tb with apt (Debian 12).
# Idempotent: when every package is already present it returns without touching apt.
set -euo pipefail

packages=(
	build-essential pkg-config meson ninja-build
	libboost1.81-dev libboost-json1.81-dev
	libcurl4-openssl-dev libarchive-dev libyaml-cpp-dev libssl-dev libzstd-dev zlib1g-dev
	libtomlplusplus-dev libcli11-dev libfmt-dev
	libgtest-dev libgmock-dev libbenchmark-dev
	libisal-dev # igzip: faster gzip inflate (optional at build time; zlib is the fallback)
	# real peers used by the integration tests
	docker-registry apache2-utils skopeo umoci podman runc python3-jsonschema busybox-static
	jq zstd gzip tar curl util-linux
	# scripts/bench.sh: paired whole-process timings and the tools it compares with
	hyperfine pigz buildah
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
echo "deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
