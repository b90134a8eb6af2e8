// SPDX-License-Identifier: Apache-2.0
// `tb cdi generate|list|validate`: Container Device Interface specs. The work is libtb's
// (generateCdi, listCdiDevices, validateCdiSpecFile); this file parses flags and prints.
#include <tb/cdi.h>
#include <tb/json_output.h>
#include <tb/printable.h>

#include <fmt/core.h>

#include "cli.h"

namespace tb::cli {

namespace {

struct GenerateFlags {
	CdiOptions options;
	std::string deviceNames = "both";
	std::string format;
	std::string output;
	std::string hostPaths = "host";
};

CdiFormat formatOf(const GenerateFlags &f)
{
	if (f.format == "yaml")
		return CdiFormat::Yaml;
	if (f.format.empty() && (f.output.ends_with(".yaml") || f.output.ends_with(".yml")))
		return CdiFormat::Yaml;
	return CdiFormat::Json;
}

Status generate(Env &env, GenerateFlags &f)
{
	Context *ctx = TB_TRY(env.openContext(true, {"probe"}));
	f.options.deviceNames = f.deviceNames == "index"  ? CdiDeviceNames::Index
				: f.deviceNames == "uuid" ? CdiDeviceNames::Uuid
							  : CdiDeviceNames::Both;
	f.options.prefixHostPaths = f.hostPaths == "prefixed";
	auto gen = TB_TRY(generateCdi(*ctx, f.options));
	for (const auto &w : gen.warnings)
		fmt::print(stderr, "tb: warning: {}\n", w);
	CdiFormat format = formatOf(f);
	if (f.output.empty()) {
		for (size_t i = 0; i < gen.specs.size(); ++i) {
			// Several specs on stdout: a YAML stream, or JSON documents one after
			// another.
			if (i > 0 && format == CdiFormat::Yaml)
				fmt::print("---\n");
			fmt::print("{}", format == CdiFormat::Json ? cdiSpecJson(gen.specs[i])
								   : cdiSpecYaml(gen.specs[i]));
		}
		return ExitOk;
	}
	auto written = TB_TRY(writeCdiSpecs(gen.specs, f.output, format));
	for (size_t i = 0; i < written.size(); ++i)
		fmt::print(stderr, "Generated CDI spec {} (cdiVersion {}) in {}\n",
			   gen.specs[i].kind, gen.specs[i].cdiVersion, written[i]);
	return ExitOk;
}

Status list(Env &env, bool json)
{
	Context *ctx = TB_TRY(env.openContext(false));
	CdiListing l = listCdiDevices(cdiSpecDirs(ctx->config()));
	if (json) {
		fmt::print("{}", cdiListingJson(l));
	} else {
		// Names and paths come from spec files: control characters are shown escaped.
		size_t w = 6;
		for (const auto &d : l.devices)
			w = std::max(w, printable(d.name).size());
		if (!l.devices.empty())
			fmt::print("{:<{}}  {}\n", "DEVICE", w, "SPEC FILE");
		for (const auto &d : l.devices)
			fmt::print("{:<{}}  {}{}\n", printable(d.name), w, printable(d.file),
				   d.conflict.empty() ? "" : "  (" + printable(d.conflict) + ")");
		if (l.devices.empty())
			fmt::print("No CDI devices found.\n");
		for (const auto &e : l.errors)
			fmt::print(stderr, "tb: warning: {}\n", printable(e));
	}
	return ExitOk;
}

Status validate(const std::vector<std::string> &files)
{
	bool bad = false;
	for (const auto &file : files) {
		auto problems = validateCdiSpecFile(file);
		if (!problems) {
			fmt::print(stderr, "{}: {}\n", file, problems.error().message);
			bad = true;
			continue;
		}
		for (const auto &p : *problems)
			fmt::print("{}: {}: {}\n", file, p.path, p.message);
		bad = bad || !problems->empty();
		if (problems->empty())
			fmt::print("{}: ok\n", file);
	}
	return bad ? ExitFailed : ExitOk;
}

} // namespace

void registerCdi(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("cdi", "Generate, list and validate CDI specs");
	cmd->require_subcommand(1);

	static GenerateFlags g;
	auto *gen = cmd->add_subcommand("generate", "Write CDI specs for the host's GPUs");
	gen->add_option("--vendor", g.options.vendor, "nvidia, amd, intel, wsl or all")
		->check(CLI::IsMember({"nvidia", "amd", "intel", "wsl", "all"}));
	gen->add_option("--profile", g.options.profile,
			"default, gaming, aiml or a [profiles.NAME] of the config");
	gen->add_option("--class", g.options.kindClass, "the class of the kinds (default: gpu)");
	gen->add_option("--device-names", g.deviceNames, "index, uuid or both")
		->check(CLI::IsMember({"index", "uuid", "both"}));
	gen->add_option("--format", g.format, "json or yaml (default: from --output, else json)")
		->check(CLI::IsMember({"json", "yaml"}));
	gen->add_option("--output,-o", g.output, "FILE, or DIR for <vendor>-<class>.json|yaml");
	gen->add_option("--host-paths", g.hostPaths,
			"host: the host's own paths; prefixed: under --host-root")
		->check(CLI::IsMember({"host", "prefixed"}));
	gen->add_option("--isolation", g.options.isolation,
			"shared, exclusive or virtual (default: [bolt.capsule] isolation_level)")
		->check(CLI::IsMember({"shared", "exclusive", "virtual"}));
	gen->add_option("--compute-share", g.options.computeShare,
			"virtual: percent of the GPU's threads per container (1-100)")
		->check(CLI::Range(1, 100));
	gen->add_option("--max-cdi-version", g.options.maxCdiVersion,
			"leave out fields newer than this cdiVersion (podman 4.x: 0.5.0)");
	onRun(gen, env, [&env]() { return generate(env, g); });

	static bool listJson = false;
	auto *ls = cmd->add_subcommand("list", "Devices of every spec in the CDI directories");
	ls->add_flag("--json", listJson, "JSON output");
	onRun(ls, env, [&env]() { return list(env, listJson || env.global.json); });

	static std::vector<std::string> files;
	auto *val = cmd->add_subcommand("validate", "Check CDI spec files strictly");
	val->add_option("FILE", files, "spec files (.json or .yaml)")->required();
	onRun(val, env, []() { return validate(files); });
}

} // namespace tb::cli
