// SPDX-License-Identifier: Apache-2.0
// The tar entry policy of extract: every entry of a hostile layer through StagingTree into a
// scratch staging directory. Nothing may land outside it.
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include "cache/staging_tree.h"
#include "fuzz_scratch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	auto &s = tb::fuzz::scratch();
	std::string staging = s.fresh("staging");
	std::string outside = s.fresh("outside");
	int fd = ::open(staging.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	tb::ExtractOptions options;
	options.limits.maxEntries = 1000;
	options.limits.maxTotalBytes = 1 << 20;
	{
		tb::cache::StagingTree tree(fd, options);
		struct archive *a = archive_read_new();
		archive_read_support_format_tar(a);
		if (archive_read_open_memory(a, data, size) == ARCHIVE_OK) {
			tree.beginLayer();
			struct archive_entry *e = nullptr;
			while (archive_read_next_header(a, &e) == ARCHIVE_OK)
				if (!tree.addEntry(a, e, 0))
					break;
		}
		archive_read_free(a);
		(void)tb::cache::normalizeEntryName(
			std::string_view(reinterpret_cast<const char *>(data), size));
	}
	::close(fd);
	// The staging dir is the only place an entry may reach.
	size_t names = 0;
	for ([[maybe_unused]] const auto &e : std::filesystem::directory_iterator(s.root()))
		++names;
	if (!std::filesystem::is_empty(outside) || names != 2)
		__builtin_trap();
	return 0;
}
