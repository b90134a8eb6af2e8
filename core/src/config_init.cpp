// SPDX-License-Identifier: Apache-2.0
// The documented default nvbind.toml (`tb config init`, configs/nvbind.toml) and the key rows
// of docs/config.md, written from the key table with the built-in defaults.
#include "internal/config.h"
#include "internal/config_keys.h"

#include <fmt/format.h>

namespace tb {

namespace config {

namespace {

constexpr std::string_view kHeader =
	R"(# nvbind.toml: tb configuration. Every key below is shown with its default value, so
# this file changes nothing as it is; delete what you do not change. A partial file is
# valid: missing keys keep their defaults. Unknown keys and wrong types are errors.
#
# tb reads the first file found of: --config FILE, $TB_CONFIG, ./nvbind.toml,
# $XDG_CONFIG_HOME/tb/nvbind.toml (~/.config/tb/nvbind.toml), /etc/tb/nvbind.toml.
# `tb config init` writes this file; `tb config validate [FILE]` checks one.
)";

std::string tomlString(const std::string &s)
{
	std::string out = "\"";
	for (unsigned char c : s) {
		if (c == '"' || c == '\\') {
			out += '\\';
			out += char(c);
		} else if (c < 0x20 || c == 0x7f) {
			out += fmt::format("\\u{:04x}", c);
		} else
			out += char(c);
	}
	return out + "\"";
}

std::string tomlKey(const std::string &k)
{
	bool bare = !k.empty();
	for (char c : k)
		bare = bare && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '_' || c == '-');
	return bare ? k : tomlString(k);
}

// "# " before each line of \a text, long lines wrapped at spaces to fit 92 columns.
std::string comment(const char *text)
{
	constexpr size_t width = 90;
	std::string out;
	std::string_view rest(text);
	while (!rest.empty()) {
		auto nl = rest.find('\n');
		std::string_view line = rest.substr(0, nl);
		rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
		while (line.size() > width) {
			auto cut = line.rfind(' ', width);
			if (cut == std::string_view::npos || cut == 0)
				break;
			out += "# " + std::string(line.substr(0, cut)) + "\n";
			line.remove_prefix(cut + 1);
		}
		out += "# " + std::string(line) + "\n";
	}
	return out;
}

template<typename Rec>
std::string docRow(const std::string &name, const Key<Rec> &k, const Rec &defaults)
{
	return "| `" + name + "` | " + docTypeName(k.field.index()) + " | `" +
	       keyValueToml(keyValue(k, defaults)) + "` | " + k.doc + " |\n";
}

} // namespace

const char *docTypeName(size_t fieldIndex) noexcept
{
	static constexpr const char *names[] = {"bool", "int", "string", "[string]", "table"};
	return fieldIndex < std::size(names) ? names[fieldIndex] : "?";
}

std::string keyValueToml(const KeyValue &v)
{
	return std::visit(
		[](const auto &x) -> std::string {
			using X = std::decay_t<decltype(x)>;
			if constexpr (std::is_same_v<X, bool>)
				return x ? "true" : "false";
			else if constexpr (std::is_same_v<X, int64_t>)
				return std::to_string(x);
			else if constexpr (std::is_same_v<X, std::string>)
				return tomlString(x);
			else if constexpr (std::is_same_v<X, std::vector<std::string>>) {
				std::string out;
				for (const auto &s : x)
					out += (out.empty() ? "" : ", ") + tomlString(s);
				return "[" + out + "]";
			} else {
				std::string out;
				for (const auto &[k, s] : x)
					out += (out.empty() ? "" : ", ") + tomlKey(k) + " = " +
					       tomlString(s);
				return out.empty() ? "{}" : "{ " + out + " }";
			}
		},
		v);
}

std::string keysMarkdown()
{
	std::string out;
	const Config defaults;
	for (const auto &k : coreKeys())
		out += docRow(*k.section ? std::string(k.section) + "." + k.key : k.key, k,
			      defaults);
	const Profile profile;
	for (const auto &k : profileKeys())
		out += docRow(std::string("profiles.NAME.") + k.key, k, profile);
	return out;
}

} // namespace config

std::string_view defaultConfigText() noexcept
{
	static const std::string text = [] {
		using namespace config;
		std::string out(kHeader);
		const Config defaults;
		for (const auto &s : sections()) {
			out += "\n";
			if (s.comment)
				out += comment(s.comment);
			if (s.kind == SectionKind::Profiles) {
				out += "# [profiles.training]\n";
				const Profile p;
				for (const auto &k : profileKeys())
					out += std::string("# ") + k.key + " = " +
					       keyValueToml(keyValue(k, p)) + "    # " + k.doc +
					       "\n";
			}
			if (*s.name)
				out += "[" + std::string(s.name) + "]\n";
			if (s.kind != SectionKind::Keys)
				continue;
			for (const auto &k : coreKeys())
				if (std::string_view(k.section) == s.name)
					out += comment(k.doc) + k.key + " = " +
					       keyValueToml(keyValue(k, defaults)) + "\n";
		}
		return out;
	}();
	return text;
}

} // namespace tb
