// SPDX-License-Identifier: Apache-2.0
// UniqueFd: sole owner of a file descriptor, closed when the owner goes (libcamera's UniqueFD).
#pragma once

#include <unistd.h>

namespace tb::support {

/// \brief Owns one file descriptor and closes it on destruction. Move-only; -1 means none.
/// Use close() where the result of close(2) matters (a file just written), reset() otherwise.
class UniqueFd {
public:
	UniqueFd() noexcept = default;
	explicit UniqueFd(int fd) noexcept : fd_(fd) {}
	UniqueFd(UniqueFd &&other) noexcept : fd_(other.release()) {}
	UniqueFd &operator=(UniqueFd &&other) noexcept
	{
		reset(other.release());
		return *this;
	}
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;
	~UniqueFd() { reset(); }

	int get() const noexcept { return fd_; }
	bool isValid() const noexcept { return fd_ >= 0; }

	/// \brief Give up ownership without closing; returns the descriptor.
	[[nodiscard]] int release() noexcept
	{
		int fd = fd_;
		fd_ = -1;
		return fd;
	}

	/// \brief Close the current descriptor (errors ignored) and own \a fd instead.
	void reset(int fd = -1) noexcept
	{
		if (fd_ >= 0 && fd_ != fd)
			::close(fd_);
		fd_ = fd;
	}

	/// \brief Close now and report close(2)'s result: 0, or -1 with errno set. Never retried
	/// on EINTR (Linux has released the descriptor either way).
	int close() noexcept
	{
		int fd = release();
		return fd >= 0 ? ::close(fd) : 0;
	}

private:
	int fd_ = -1;
};

} // namespace tb::support
