// SPDX-License-Identifier: Apache-2.0
// Grammars of rule-bound nvbind.toml strings (see internal/config_values.h).
#include "internal/config_values.h"

#include "internal/kinds.h"

#include <array>
#include <cctype>
#include <utility>

#include "internal/log.h"

namespace tb::config {

namespace {

std::string quoted(const std::string &v)
{
	return "invalid value '" + v + "'";
}

std::string_view trim(std::string_view s)
{
	while (!s.empty() && s.front() == ' ')
		s.remove_prefix(1);
	while (!s.empty() && s.back() == ' ')
		s.remove_suffix(1);
	return s;
}

bool allDigits(std::string_view s)
{
	if (s.empty())
		return false;
	for (char c : s)
		if (c < '0' || c > '9')
			return false;
	return true;
}

bool validGpuItem(std::string_view item)
{
	if (allDigits(item))
		return item.size() <= 4; // an index, not a number that only looks like one
	if (item.substr(0, 4) != "GPU-" && item.substr(0, 4) != "MIG-")
		return false;
	std::string_view rest = item.substr(4);
	if (rest.empty())
		return false;
	// NVIDIA and AMD UUIDs are hex and dashes; old MIG names are MIG-GPU-<uuid>/<gi>/<ci>.
	for (char c : rest)
		if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '/')
			return false;
	return true;
}

bool equalsNoCase(std::string_view a, std::string_view b)
{
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(a[i])) !=
		    std::tolower(static_cast<unsigned char>(b[i])))
			return false;
	return true;
}

} // namespace

bool validPluginName(std::string_view n) noexcept
{
	if (n.empty() || n.size() > 63 || n.front() == '-')
		return false;
	for (char c : n)
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	return true;
}

std::string kindNameList()
{
	const auto &kinds = pluginKindEntries();
	std::string out;
	for (size_t i = 0; i < kinds.size(); ++i)
		out += std::string(i == 0                  ? ""
				   : i + 1 == kinds.size() ? " or "
							   : ", ") +
		       kinds[i].name;
	return out;
}

bool validPluginUri(std::string_view uri) noexcept
{
	auto dot = uri.find('.');
	if (dot == std::string_view::npos)
		return false;
	if (!findKind(uri.substr(0, dot)))
		return false;
	return validPluginName(uri.substr(dot + 1));
}

bool validGpuSelection(std::string_view s) noexcept
{
	std::string_view t = trim(s);
	if (t == "all" || t == "none" || t == "first")
		return true;
	if (t.empty())
		return false;
	size_t pos = 0;
	while (pos <= s.size()) {
		size_t comma = s.find(',', pos);
		std::string_view item =
			trim(s.substr(pos, comma == std::string_view::npos ? s.npos : comma - pos));
		if (!validGpuItem(item))
			return false;
		if (comma == std::string_view::npos)
			break;
		pos = comma + 1;
	}
	return true;
}

std::optional<uint64_t> parseSize(std::string_view text) noexcept
{
	size_t digits = 0;
	while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
		++digits;
	if (digits == 0 || digits > 19)
		return std::nullopt;
	uint64_t n = 0;
	for (size_t i = 0; i < digits; ++i)
		n = n * 10 + static_cast<uint64_t>(text[i] - '0');
	if (n == 0)
		return std::nullopt;
	std::string_view unit = text.substr(digits);
	static constexpr std::array<std::pair<std::string_view, uint64_t>, 10> kUnits{{
		{"", 1},
		{"B", 1},
		{"KB", 1000ULL},
		{"MB", 1000ULL * 1000},
		{"GB", 1000ULL * 1000 * 1000},
		{"TB", 1000ULL * 1000 * 1000 * 1000},
		{"KiB", 1ULL << 10},
		{"MiB", 1ULL << 20},
		{"GiB", 1ULL << 30},
		{"TiB", 1ULL << 40},
	}};
	for (const auto &[name, factor] : kUnits) {
		if (!equalsNoCase(unit, name))
			continue;
		if (n > UINT64_MAX / factor)
			return std::nullopt;
		return n * factor;
	}
	return std::nullopt;
}

std::optional<std::string> checkPluginUri(const std::string &v)
{
	if (validPluginUri(v))
		return std::nullopt;
	return quoted(v) + " (expected kind.name with kind " + kindNameList() + ")";
}

// Checked here, not only when a Context applies them: `config validate` must agree with tb.
std::optional<std::string> checkLogLevels(const std::string &v)
{
	auto r = log::parseLevels(v);
	if (r)
		return std::nullopt;
	return quoted(v) + ": " + r.error().message;
}

std::optional<std::string> checkGpuSelection(const std::string &v)
{
	if (validGpuSelection(v))
		return std::nullopt;
	return quoted(v) + " (expected all, none, first, or GPU indices and UUIDs such as \"0,2\")";
}

std::optional<std::string> checkProfileGpus(const std::string &v)
{
	return v.empty() ? std::nullopt : checkGpuSelection(v);
}

std::optional<std::string> checkSize(const std::string &v)
{
	if (parseSize(v))
		return std::nullopt;
	return quoted(v) + " (expected a size such as \"8GB\" or \"512MiB\")";
}

std::optional<std::string> checkSizeOrNone(const std::string &v)
{
	if (v.empty() || parseSize(v))
		return std::nullopt;
	return quoted(v) + " (expected \"\" for no limit or a size such as \"8GB\" or \"512MiB\")";
}

// podman, docker, bolt or a third-party runtime plugin: only the charset can be known here.
std::optional<std::string> checkRuntimeName(const std::string &v)
{
	if (validPluginName(v))
		return std::nullopt;
	return quoted(v) + " (expected a runtime plugin name such as podman, docker or bolt: 1-63 "
			   "characters of a-z, 0-9 and '-')";
}

} // namespace tb::config
