// SPDX-License-Identifier: Apache-2.0
// A scratch directory for the fuzz targets that work on files: tmpfs when there is one,
// emptied before each input, removed at exit.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace tb::fuzz {

class Scratch {
public:
	Scratch()
	{
		std::string parent =
			std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
		std::string t = parent + "/tb-fuzz-XXXXXX";
		root_ = ::mkdtemp(t.data()) ? t : "";
		if (root_.empty())
			std::abort();
	}
	~Scratch()
	{
		std::error_code ec;
		std::filesystem::remove_all(root_, ec);
	}
	/// \brief An empty directory ROOT/NAME.
	std::string fresh(const std::string &name) const
	{
		std::string dir = root_ + "/" + name;
		std::error_code ec;
		std::filesystem::remove_all(dir, ec);
		std::filesystem::create_directories(dir, ec);
		return dir;
	}
	const std::string &root() const { return root_; }
	static void write(const std::string &path, std::string_view bytes)
	{
		std::filesystem::create_directories(std::filesystem::path(path).parent_path());
		std::ofstream(path, std::ios::binary | std::ios::trunc)
			.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
	}

private:
	std::string root_;
};

inline Scratch &scratch()
{
	static Scratch s;
	return s;
}

} // namespace tb::fuzz
