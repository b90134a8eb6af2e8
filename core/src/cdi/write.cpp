// SPDX-License-Identifier: Apache-2.0
// Writing specs: temp file in the target directory, fsync, chmod 0644 (rootless runtimes must
// read it whatever the umask), rename. A reader sees the old file or the new one, never half.
#include <tb/cdi.h>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tbsupport/unique_fd.h"

namespace tb {

namespace {

Result<void> writeAtomic(const std::string &path, const std::string &data)
{
	std::string tmp = path + ".tmp." + std::to_string(::getpid());
	support::UniqueFd out(
		::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
	int fd = out.get();
	if (fd < 0)
		return err(errno == EACCES ? Errc::PermissionDenied : Errc::Io,
			   "cannot create " + tmp + ": " + std::strerror(errno));
	size_t off = 0;
	while (off < data.size()) {
		ssize_t n = ::write(fd, data.data() + off, data.size() - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		off += static_cast<size_t>(n);
	}
	int e = off == data.size() ? 0 : errno;
	if (!e && (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0))
		e = errno;
	if (out.close() != 0 && !e)
		e = errno;
	if (!e && ::rename(tmp.c_str(), path.c_str()) != 0)
		e = errno;
	if (e) {
		::unlink(tmp.c_str());
		return err(Errc::Io, "cannot write " + path + ": " + std::strerror(e));
	}
	return {};
}

} // namespace

Result<std::vector<std::string>> writeCdiSpecs(const std::vector<CdiSpec> &specs,
					       const std::string &output, CdiFormat format)
{
	struct stat st;
	bool isDir = !output.empty() && (output.back() == '/' ||
					 (::stat(output.c_str(), &st) == 0 && S_ISDIR(st.st_mode)));
	std::vector<std::string> written;
	if (!isDir && specs.size() != 1)
		return err(Errc::InvalidArgument,
			   "--output " + output + ": " + std::to_string(specs.size()) +
				   " specs (one per vendor) need a directory");
	if (isDir && ::mkdir(output.c_str(), 0755) != 0 && errno != EEXIST)
		return err(Errc::Io, "cannot create " + output + ": " + std::strerror(errno));
	for (const auto &spec : specs) {
		std::string path = output;
		if (isDir)
			path = (output.back() == '/' ? output : output + "/") +
			       cdiSpecFileName(spec, format);
		TB_TRY(writeAtomic(path, format == CdiFormat::Json ? cdiSpecJson(spec)
								   : cdiSpecYaml(spec)));
		written.push_back(path);
	}
	return written;
}

} // namespace tb
