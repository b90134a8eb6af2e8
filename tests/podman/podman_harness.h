// SPDX-License-Identifier: Apache-2.0
// A real podman for the tests: a private store under a temp dir (the user's images are never
// touched), a busybox-static rootfs image, and the runc wrapper this kind of sandbox needs.
// Standard library and GoogleTest-free, so any test executable can link it.
#pragma once

#include <string>
#include <vector>

#include "run_capture.h"

namespace tb::test::podman {

/// \brief What a program printed and how it ended.
using Cmd = tb::testing::Captured;

/// \brief Run \a argv (looked up on PATH, no shell); \a env entries "K=V" are added to the
/// environment of the child.
inline Cmd run(const std::vector<std::string> &argv, const std::vector<std::string> &env = {})
{
	return tb::testing::runCapture(argv, env);
}

/// \brief The test-only OCI runtime (tests/podman/runc-no-rlimits): runc without rlimits.
std::string runtimeWrapper();

/// \brief Why a container cannot be started with podman here ("" when it can): podman, runc,
/// jq or a static busybox missing, or not running as root (the tests write /var/run/cdi).
std::string unavailableReason();

/// \brief Copy the fixture host tree \a from to \a to, replacing every device-node stand-in
/// under to/dev (a small file "c MAJ:MIN MODE") by a real character device with the numbers
/// of /dev/null (harmless) and that mode; a node without access for others gets group 44
/// (video), as on a real host. \return "" or what failed
std::string copyHostWithRealNodes(const std::string &from, const std::string &to);

/// \brief A podman store of its own under \a dir (vfs driver), removed with the object.
class PrivateStore {
public:
	explicit PrivateStore(std::string dir);
	~PrivateStore();
	PrivateStore(const PrivateStore &) = delete;
	PrivateStore &operator=(const PrivateStore &) = delete;

	/// \brief `--root DIR/root --runroot DIR/run --storage-driver vfs`.
	std::vector<std::string> storeArgs() const;
	/// \brief `podman <storeArgs> ARGS`, with TMPDIR inside the store dir.
	Cmd podman(std::vector<std::string> args) const;

	/// \brief Import a rootfs holding the static busybox and one symlink per applet under
	/// /bin as \a ref ("localhost/tb-busybox:test"). \return false with \a why set on failure
	bool importBusybox(const std::string &ref, std::string &why) const;

	/// \brief `podman run --rm --network none --runtime <wrapper> EXTRA... IMAGE CMD...`.
	Cmd runContainer(const std::vector<std::string> &extra, const std::string &image,
			 const std::vector<std::string> &cmd) const;

	/// \brief For programs that start podman themselves (`tb run`): write DIR/containers.conf
	/// (default runtime = the wrapper, named "tb-test-runc") and DIR/storage.conf (this store)
	/// and return the environment that makes a plain `podman` use both: CONTAINERS_CONF,
	/// CONTAINERS_STORAGE_CONF and TMPDIR, as "K=V".
	std::vector<std::string> confEnv() const;

	const std::string &dir() const { return dir_; }

private:
	std::string dir_;
};

} // namespace tb::test::podman
