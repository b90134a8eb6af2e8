// SPDX-License-Identifier: Apache-2.0
// Read a plugin's descriptor straight from its ELF file, before any of its code can run.
#pragma once

#include <cstdint>
#include <string>

#include <tb/result.h>

namespace tb {

/// \brief The descriptor fields that are plain data in the file (everything but the factory).
struct FileDescriptor {
	uint32_t abiVersion = 0;
	uint32_t cxxAbi = 0;
	uint32_t kind = 0;
	uint16_t kindMajor = 0;
	uint16_t kindMinor = 0;
	std::string name; ///< bytes up to the first NUL (or all 64: then nameTerminated = false)
	std::string version;
	bool nameTerminated = true;
	bool versionTerminated = true;
};

/// \brief mmap-free, bounds-checked read of `tb_plugin_descriptor` from .dynsym.
/// \return Errc::Corrupt "not an ELF file" / truncated headers, Errc::Unsupported for another
///	    machine or ELF class, Errc::NotFound when the symbol is absent
Result<FileDescriptor> readFileDescriptor(const std::string &path);

} // namespace tb
