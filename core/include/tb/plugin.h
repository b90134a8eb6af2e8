// SPDX-License-Identifier: Apache-2.0
// The plugin descriptor: the one symbol a tb plugin exports, and the macros that define it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <tb/config_view.h>
#include <tb/host.h>
#include <tb/result.h>

/// Layout of PluginDescriptor. Bumping it rejects every plugin built before.
#define TB_PLUGIN_ABI_VERSION 1u

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

/// \brief The four plugin kinds. Values are stable.
enum class Kind : uint32_t { Transport = 1, CacheFormat = 2, GpuProbe = 3, Runtime = 4 };

/// \brief Short name used in URIs and config sections: "transport", "cache", "probe", "runtime".
constexpr const char *kindName(Kind k) noexcept
{
	switch (k) {
	case Kind::Transport:
		return "transport";
	case Kind::CacheFormat:
		return "cache";
	case Kind::GpuProbe:
		return "probe";
	case Kind::Runtime:
		return "runtime";
	}
	return "unknown";
}

/// \brief Frozen C layout, readable from the ELF file before any plugin code runs.
struct PluginDescriptor {
	uint32_t abiVersion;  ///< TB_PLUGIN_ABI_VERSION
	uint32_t cxxAbi;      ///< TB_CXX_ABI_TAG
	uint32_t kind;        ///< a tb::Kind value
	uint32_t kindVersion; ///< the kind's *_API_VERSION
	char name[64];        ///< [a-z0-9][a-z0-9-]*, NUL-terminated
	char version[32];     ///< plugin version, printable, NUL-terminated
	const void *factory;  ///< -> PluginFactory<Interface> of the kind
};

/// \brief What `factory` points at: one create function per kind's interface.
template<typename Interface>
struct PluginFactory {
	Result<std::unique_ptr<Interface>> (*create)(Host &host, const ConfigView &config) noexcept;
};

/// \brief Per-kind traits, specialised by each kind header.
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

} // namespace detail
} // namespace tb

/// Define the plugin's descriptor. INTERFACE is tb::Transport, tb::CacheFormat, tb::GpuProbe or
/// tb::Runtime; CREATE is `Result<std::unique_ptr<INTERFACE>>(Host&, const ConfigView&)`.
/// Put it once, at namespace scope, in one source file of the plugin.
#define TB_PLUGIN(INTERFACE, NAME, VERSION, CREATE)                                                \
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
		static_cast<uint32_t>(::tb::KindTraits<INTERFACE>::kind),                          \
		::tb::KindTraits<INTERFACE>::apiVersion,                                           \
		NAME,                                                                              \
		VERSION,                                                                           \
		&tbPluginFactory_,                                                                 \
	}
