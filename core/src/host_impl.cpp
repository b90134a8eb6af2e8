// SPDX-License-Identifier: Apache-2.0
// Host services for plugins.
#include "internal/host_impl.h"

#include <tb/context.h>

#include "internal/log.h"

namespace tb {

void HostImpl::log(LogLevel level, std::string_view message) noexcept
{
	if (log::enabled(category_, level))
		log::write(category_, level, message);
}

bool HostImpl::logEnabled(LogLevel level) const noexcept
{
	return log::enabled(category_, level);
}

std::string_view HostImpl::coreVersion() const noexcept
{
	return tb::version();
}

} // namespace tb
