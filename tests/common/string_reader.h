// SPDX-License-Identifier: Apache-2.0
// A BlobReader over bytes in memory. Header-only and built on the SDK's <tb/transport.h> alone,
// so that the test plugins (built from the SDK only) can use it as well as the tests.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>

#include <tb/transport.h>

namespace tb::test {

/// \brief Reads \a data from the start, then reports end of blob (0 bytes).
class StringReader final : public BlobReader {
public:
	explicit StringReader(std::string data) : data_(std::move(data)) {}
	Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		size_t n = std::min(size, data_.size() - off_);
		std::memcpy(buffer, data_.data() + off_, n);
		off_ += n;
		return n;
	}

private:
	std::string data_;
	size_t off_ = 0;
};

} // namespace tb::test
