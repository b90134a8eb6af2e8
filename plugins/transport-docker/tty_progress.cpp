// SPDX-License-Identifier: Apache-2.0
// Transfer progress on a terminal: one line, rewritten at most 5 times a second, with the
// blob being moved, the bytes of all blobs and the rate. Nothing when stderr is no TTY or
// TB_NO_PROGRESS is set (what `-q` does).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string_view>
#include <unistd.h>

#include "docker_registry.h"

namespace tb::docker {

namespace {

std::string human(double bytes)
{
	const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;
	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		++u;
	}
	char buf[32];
	std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
	return buf;
}

class TtyProgress : public ProgressSink {
public:
	void start(const std::string &item, const std::string &, int64_t total) override
	{
		std::lock_guard lock(m_);
		if (items_.empty())
			began_ = Clock::now();
		items_[item] = {0, total};
		total_ += total > 0 ? total : 0;
	}
	void advance(const std::string &item, int64_t bytes) override
	{
		std::lock_guard lock(m_);
		items_[item].done += bytes;
		done_ += bytes;
		auto now = Clock::now();
		if (now - shown_ < std::chrono::milliseconds(200))
			return;
		shown_ = now;
		show(item);
	}
	void done(const std::string &item, bool) override
	{
		std::lock_guard lock(m_);
		items_.erase(item);
		if (items_.empty()) {
			std::fprintf(stderr, "\r\033[K");
			std::fflush(stderr);
		}
	}

private:
	using Clock = std::chrono::steady_clock;
	struct Item {
		int64_t done = 0;
		int64_t total = 0;
	};
	void show(const std::string &item)
	{
		double secs = std::chrono::duration<double>(Clock::now() - began_).count();
		const Item &i = items_[item];
		std::string id = item.substr(item.find(':') + 1, 12);
		std::fprintf(stderr, "\r\033[K%s %s/%s  total %s/%s  %s/s", id.c_str(),
			     human(double(i.done)).c_str(), human(double(i.total)).c_str(),
			     human(double(done_)).c_str(), human(double(total_)).c_str(),
			     human(secs > 0 ? double(done_) / secs : 0).c_str());
		std::fflush(stderr);
	}
	std::mutex m_;
	std::map<std::string, Item> items_;
	int64_t done_ = 0, total_ = 0;
	Clock::time_point began_, shown_;
};

class NoProgress : public ProgressSink {
public:
	void start(const std::string &, const std::string &, int64_t) override {}
	void advance(const std::string &, int64_t) override {}
	void done(const std::string &, bool) override {}
};

} // namespace

std::unique_ptr<ProgressSink> makeTtyProgress()
{
	// TB_NO_PROGRESS: `tb -q` (or a user) asks for silence on a terminal too.
	const char *off = std::getenv("TB_NO_PROGRESS");
	if (::isatty(STDERR_FILENO) && !(off && *off && std::string_view(off) != "0"))
		return std::make_unique<TtyProgress>();
	return std::make_unique<NoProgress>();
}

} // namespace tb::docker
