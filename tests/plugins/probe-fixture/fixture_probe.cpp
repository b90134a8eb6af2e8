// SPDX-License-Identifier: Apache-2.0
// Test probe "fixture": GPUs listed one per line in HOSTROOT/etc/tb-test-gpus
// ("vendor backend arch warp_size name"); absent file = vendor absent = Skip.
#include <fstream>
#include <sstream>

#include <tb/gpu_probe.h>
#include <tb/services.h>

// Built twice: against the current SDK ("fixture") and the 2.0 copy ("fixture-v20").
#ifndef TB_FIXTURE_PROBE_NAME
#define TB_FIXTURE_PROBE_NAME "fixture"
#endif

namespace {

using namespace tb;

class FixtureProbe final : public GpuProbe {
public:
	FixtureProbe(Host &host, Cancellation *cancel) : host_(host), cancel_(cancel) {}
	std::string_view vendor() const noexcept override { return TB_FIXTURE_PROBE_NAME; }

	Result<ProbeReport> probe() noexcept override
	{
		if (cancel_ && cancel_->cancelled())
			return err(Errc::Cancelled, TB_FIXTURE_PROBE_NAME " probe: cancelled");
		std::string path = hostPath(host_.paths(), "/etc/tb-test-gpus");
		std::ifstream in(path);
		if (!in)
			return err(Errc::Skip, "no fixture GPUs (" + path + " absent)");
		ProbeReport r;
		r.vendor = TB_FIXTURE_PROBE_NAME;
		r.driver = DriverInfo{"fixture", "1.0", "test"};
		std::string line;
		int lineNo = 0;
		while (std::getline(in, line)) {
			++lineNo;
			if (line.empty() || line[0] == '#')
				continue;
			std::istringstream ls(line);
			GpuDevice d;
			if (!(ls >> d.vendor >> d.backend >> d.arch >> d.warpSize))
				return err(
					Errc::Corrupt,
					path + ":" + std::to_string(lineNo) +
						": expected 'vendor backend arch warp_size name'");
			std::getline(ls >> std::ws, d.name);
			d.index = static_cast<int>(r.gpus.size());
			r.gpus.push_back(std::move(d));
		}
		return r;
	}

private:
	Host &host_;
	Cancellation *cancel_; // nullptr on a host without tb.cancel: never cancelled
};

Result<std::unique_ptr<GpuProbe>> create(Host &host, const ConfigView &)
{
	auto cancel = host.service<Cancellation>();
	if (!cancel)
		host.log(LogLevel::Info, cancel.error().message);
	return std::unique_ptr<GpuProbe>(
		std::make_unique<FixtureProbe>(host, cancel ? *cancel : nullptr));
}

} // namespace

TB_PLUGIN(tb::GpuProbe, TB_FIXTURE_PROBE_NAME, "1.0.0", create);
