// SPDX-License-Identifier: Apache-2.0
// Test probe "fixture": GPUs listed one per line in HOSTROOT/etc/tb-test-gpus
// ("vendor backend arch warp_size name"); absent file = vendor absent = Skip.
#include <fstream>
#include <sstream>

#include <tb/gpu_probe.h>

namespace {

using namespace tb;

class FixtureProbe final : public GpuProbe {
public:
	explicit FixtureProbe(Host &host) : host_(host) {}
	std::string_view vendor() const noexcept override { return "fixture"; }

	Result<ProbeReport> probe() noexcept override
	{
		std::string path = hostPath(host_.paths(), "/etc/tb-test-gpus");
		std::ifstream in(path);
		if (!in)
			return err(Errc::Skip, "no fixture GPUs (" + path + " absent)");
		ProbeReport r;
		r.vendor = "fixture";
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
};

Result<std::unique_ptr<GpuProbe>> create(Host &host, const ConfigView &)
{
	return std::unique_ptr<GpuProbe>(std::make_unique<FixtureProbe>(host));
}

} // namespace

TB_PLUGIN(tb::GpuProbe, "fixture", "1.0.0", create);
