// SPDX-License-Identifier: Apache-2.0
// Transfer progress on a terminal, as skopeo and podman show it: one line, rewritten at most
// 5 times a second, with the blob being moved, the bytes of all blobs and the rate. This is
// the tb.progress service `tb` offers the plugins of its context.
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <unistd.h>

#include <fmt/core.h>

#include "cli.h"

namespace tb::cli {

namespace {

std::string human(double bytes)
{
	const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;
	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		++u;
	}
	return u ? fmt::format("{:.1f} {}", bytes, units[u])
		 : fmt::format("{:.0f} {}", bytes, units[u]);
}

class TtyProgress final : public Progress {
public:
	void start(std::string_view item, std::string_view, int64_t total) noexcept override
	{
		std::lock_guard lock(m_);
		if (items_.empty())
			began_ = Clock::now();
		items_[std::string(item)] = {0, total};
		total_ += total > 0 ? total : 0;
	}
	void advance(std::string_view item, int64_t bytes) noexcept override
	{
		std::lock_guard lock(m_);
		auto it = items_.find(std::string(item));
		if (it == items_.end())
			return;
		it->second.done += bytes;
		done_ += bytes;
		auto now = Clock::now();
		if (now - shown_ < std::chrono::milliseconds(200))
			return;
		shown_ = now;
		show(it->first, it->second);
	}
	void done(std::string_view item, bool) noexcept override
	{
		std::lock_guard lock(m_);
		items_.erase(std::string(item));
		if (items_.empty()) {
			fmt::print(stderr, "\r\033[K");
			std::fflush(stderr);
		}
	}

private:
	using Clock = std::chrono::steady_clock;
	struct Item {
		int64_t done = 0;
		int64_t total = 0;
	};
	void show(const std::string &item, const Item &i)
	{
		double secs = std::chrono::duration<double>(Clock::now() - began_).count();
		std::string shortId = item.substr(item.find(':') + 1, 12);
		fmt::print(stderr, "\r\033[K{} {}/{}  total {}/{}  {}/s", shortId,
			   human(double(i.done)), human(double(i.total)), human(double(done_)),
			   human(double(total_)), human(secs > 0 ? double(done_) / secs : 0));
		std::fflush(stderr);
	}
	std::mutex m_;
	std::map<std::string, Item> items_;
	int64_t done_ = 0, total_ = 0;
	Clock::time_point began_, shown_;
};

} // namespace

std::shared_ptr<Progress> terminalProgress(bool quiet)
{
	// TB_NO_PROGRESS (docs/cli.md): a user asks for silence on a terminal too, as -q does.
	const char *off = std::getenv("TB_NO_PROGRESS");
	if (quiet || (off && *off && std::string_view(off) != "0") || !::isatty(STDERR_FILENO))
		return nullptr;
	return std::make_shared<TtyProgress>();
}

} // namespace tb::cli
