// SPDX-License-Identifier: Apache-2.0
// Writing specs: atomically (support::writeFileAtomic), mode 0644 whatever the umask.
#include <tb/cdi.h>

#include <cerrno>
#include <cstring>

#include <sys/stat.h>

#include "tbsupport/blob_file.h"

namespace tb {

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
		// 0644 whatever the umask: rootless runtimes must read it.
		TB_TRY_CTX(support::writeFileAtomic(path,
						    format == CdiFormat::Json ? cdiSpecJson(spec)
									      : cdiSpecYaml(spec),
						    0644),
			   "writing CDI spec " + path);
		written.push_back(path);
	}
	return written;
}

} // namespace tb
