// SPDX-License-Identifier: Apache-2.0
// Transfer progress goes to the host's tb.progress service: the program using libtb decides
// whether and how to show it (`tb` draws one line on a terminal unless -q). A host without
// the service gets none.
#include "docker_registry.h"

#include <tb/services.h>

namespace tb::docker {

namespace {

class HostProgress : public ProgressSink {
public:
	explicit HostProgress(Progress &p) : p_(p) {}
	void start(const std::string &item, const std::string &label, int64_t total) override
	{
		p_.start(item, label, total);
	}
	void advance(const std::string &item, int64_t bytes) override { p_.advance(item, bytes); }
	void done(const std::string &item, bool ok) override { p_.done(item, ok); }

private:
	Progress &p_;
};

class NoProgress : public ProgressSink {
public:
	void start(const std::string &, const std::string &, int64_t) override {}
	void advance(const std::string &, int64_t) override {}
	void done(const std::string &, bool) override {}
};

} // namespace

std::unique_ptr<ProgressSink> makeProgress(Host &host)
{
	if (auto p = host.service<Progress>())
		return std::make_unique<HostProgress>(**p);
	return std::make_unique<NoProgress>();
}

} // namespace tb::docker
