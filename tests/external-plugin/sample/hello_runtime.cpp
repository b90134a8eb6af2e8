// SPDX-License-Identifier: Apache-2.0
// Sample third-party runtime adaptor "hello": runs the container command through `env`,
// to show the whole plugin contract in one file.
#include <tb/runtime.h>

namespace {

class HelloRuntime final : public tb::Runtime {
public:
	explicit HelloRuntime(tb::Host &host) : host_(host) {}

	std::string_view runtimeName() const noexcept override { return "hello"; }
	tb::Result<std::string> available() noexcept override { return std::string("1.2.3"); }
	bool supportsCdi() const noexcept override { return false; }

	tb::Result<tb::Invocation> buildInvocation(const tb::RunRequest &r) const noexcept override
	{
		if (r.image.empty())
			return tb::err(tb::Errc::InvalidArgument, "hello: no image given");
		tb::Invocation inv;
		inv.argv = {"/usr/bin/env"};
		for (const auto &[k, v] : r.env)
			inv.argv.push_back(k + "=" + v);
		for (const auto &m : r.mounts)
			inv.argv.push_back("HELLO_MOUNT=" + m.hostPath + ":" + m.containerPath);
		inv.argv.push_back("HELLO_IMAGE=" + r.image);
		inv.argv.insert(inv.argv.end(), r.command.begin(), r.command.end());
		return inv;
	}

private:
	tb::Host &host_;
};

tb::Result<std::unique_ptr<tb::Runtime>> create(tb::Host &host, const tb::ConfigView &config)
{
	// The core checked the section against kKeys: greeting is a string, with its default.
	host.log(tb::LogLevel::Debug, "greeting: " + config.getString("greeting"));
	return std::unique_ptr<tb::Runtime>(std::make_unique<HelloRuntime>(host));
}

// [plugins."runtime.hello"]: `tb config validate` checks it, `tb config init` writes it.
const tb::Setting kKeys[] = {
	{"greeting", tb::SettingType::String, "\"hello\"", "what hello says first"},
};
constexpr tb::PluginSettings kSettings = tb::declareSettings(kKeys);

} // namespace

TB_PLUGIN(tb::Runtime, "hello", "1.2.3", create, kSettings);
