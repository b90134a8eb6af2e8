// SPDX-License-Identifier: Apache-2.0
// The plugin descriptor: the one symbol a tb plugin exports, and the macros that define it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <tb/config_view.h>
#include <tb/host.h>
#include <tb/result.h>
#include <tb/settings.h>
#include <tb/versioned.h>

/// Layout of PluginDescriptor, Versioned, Host, ConfigView and Result. Bumping it rejects
/// every plugin built before; the kinds and services grow by minor versions instead.
#define TB_PLUGIN_ABI_VERSION 2u

/// Name of the exported descriptor symbol.
#define TB_PLUGIN_DESCRIPTOR_SYMBOL "tb_plugin_descriptor"

// C++ types cross the boundary, so the standard library family and its string ABI must
// match. Bit 0x100: libstdc++ (0x200: libc++); bit 0x1: the C++11 std::string ABI.
#if defined(_LIBCPP_VERSION)
#define TB_CXX_ABI_TAG 0x200u
#elif defined(__GLIBCXX__) && defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
#define TB_CXX_ABI_TAG 0x101u
#elif defined(__GLIBCXX__)
#define TB_CXX_ABI_TAG 0x100u
#else
#define TB_CXX_ABI_TAG 0u
#endif

#define TB_EXPORT __attribute__((visibility("default")))

namespace tb {

/// \brief Ids of the kinds this SDK ships. Values are stable; a new kind takes the next
/// free id in its own header (KindTraits<Interface>::id), nothing here changes.
enum class Kind : uint32_t { Transport = 1, CacheFormat = 2, GpuProbe = 3, Runtime = 4 };

/// \brief Frozen C layout, readable from the ELF file before any plugin code runs (all
/// fields before `factory`); `factory` and `settings` are read after dlopen.
struct PluginDescriptor {
	uint32_t abiVersion;            ///< TB_PLUGIN_ABI_VERSION
	uint32_t cxxAbi;                ///< TB_CXX_ABI_TAG
	uint32_t kind;                  ///< KindTraits<Interface>::id
	uint16_t kindMajor;             ///< the kind's API major: must equal the core's
	uint16_t kindMinor;             ///< the kind's API minor the plugin was built against: any
	char name[64];                  ///< [a-z0-9][a-z0-9-]*, NUL-terminated
	char version[32];               ///< plugin version, printable, NUL-terminated
	const void *factory;            ///< -> PluginFactory<Interface> of the kind
	const PluginSettings *settings; ///< declared config keys, or nullptr (none)
};

/// \brief What `factory` points at: one create function per kind's interface.
template<typename Interface>
struct PluginFactory {
	Result<std::unique_ptr<Interface>> (*create)(Host &host, const ConfigView &config) noexcept;
};

/// \brief Per-kind traits, specialised by each kind header:
/// `id` (uint32_t), `name` ("transport"), `versionMajor`, `versionMinor` (uint16_t).
template<typename Interface>
struct KindTraits;

namespace detail {

// Run a plugin's create function so that nothing escapes across the .so boundary.
template<typename Interface, typename Fn>
Result<std::unique_ptr<Interface>> guardedCreate(Fn fn, Host &host,
						 const ConfigView &config) noexcept
{
	try {
		return fn(host, config);
	} catch (...) {
		return err(
			Errc::Internal,
			describeCurrentException("plugin factory threw",
						 "plugin factory threw a non-standard exception"));
	}
}

constexpr const PluginSettings *settingsOr() noexcept
{
	return nullptr;
}
constexpr const PluginSettings *settingsOr(const PluginSettings &s) noexcept
{
	return &s;
}

} // namespace detail
} // namespace tb

/// Define the plugin's descriptor. INTERFACE is the kind's interface (tb::Transport,
/// tb::CacheFormat, tb::GpuProbe, tb::Runtime, ...); CREATE is
/// `Result<std::unique_ptr<INTERFACE>>(Host&, const ConfigView&)`. The optional last argument
/// is a `const tb::PluginSettings` declaring the plugin's config keys (<tb/settings.h>).
/// Put it once, at namespace scope, in one source file of the plugin.
#define TB_PLUGIN(INTERFACE, NAME, VERSION, CREATE, ...)                                           \
	namespace {                                                                                \
	::tb::Result<std::unique_ptr<INTERFACE>>                                                   \
	tbPluginCreate_(::tb::Host &h, const ::tb::ConfigView &c) noexcept                         \
	{                                                                                          \
		return ::tb::detail::guardedCreate<INTERFACE>(CREATE, h, c);                       \
	}                                                                                          \
	const ::tb::PluginFactory<INTERFACE> tbPluginFactory_{&tbPluginCreate_};                   \
	}                                                                                          \
	extern "C" TB_EXPORT const ::tb::PluginDescriptor tb_plugin_descriptor;                    \
	extern "C" const ::tb::PluginDescriptor tb_plugin_descriptor = {                           \
		TB_PLUGIN_ABI_VERSION,                                                             \
		TB_CXX_ABI_TAG,                                                                    \
		::tb::KindTraits<INTERFACE>::id,                                                   \
		::tb::KindTraits<INTERFACE>::versionMajor,                                         \
		::tb::KindTraits<INTERFACE>::versionMinor,                                         \
		NAME,                                                                              \
		VERSION,                                                                           \
		&tbPluginFactory_,                                                                 \
		::tb::detail::settingsOr(__VA_ARGS__),                                             \
	}
