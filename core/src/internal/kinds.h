// SPDX-License-Identifier: Apache-2.0
// The registry of plugin kinds: what the loader needs to know about each interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <tb/config_view.h>
#include <tb/host.h>
#include <tb/plugin.h>
#include <tb/result.h>

namespace tb {

/// \brief A live plugin object of any kind; deleted through its own interface.
struct PluginObject {
	std::unique_ptr<void, void (*)(void *)> object{nullptr, nullptr};
	uint16_t apiMinor = 0; ///< the minor its implementation was compiled against
};

/// \brief One kind: id, name, version, and how to call its factory.
struct KindEntry {
	uint32_t id;
	const char *name;
	uint16_t versionMajor;
	uint16_t versionMinor;
	Result<PluginObject> (*create)(const void *factory, Host &host,
				       const ConfigView &config) noexcept;
};

namespace detail {

template<typename T>
Result<PluginObject> createKind(const void *factory, Host &host, const ConfigView &config) noexcept
{
	auto *f = static_cast<const PluginFactory<T> *>(factory);
	if (!f || !f->create)
		return err(Errc::Internal, "descriptor has no factory");
	auto r = f->create(host, config);
	if (!r)
		return unexpected(std::move(r).error());
	if (!*r)
		return err(Errc::Internal, "factory returned no object");
	T *raw = r->release();
	PluginObject out;
	out.object = {raw, [](void *p) { delete static_cast<T *>(p); }};
	out.apiMinor = static_cast<const Versioned *>(raw)->apiMinor();
	return out;
}

} // namespace detail

/// \brief The registration of interface T (a header with KindTraits<T>).
template<typename T>
constexpr KindEntry kindEntry() noexcept
{
	return {KindTraits<T>::id, KindTraits<T>::name, KindTraits<T>::versionMajor,
		KindTraits<T>::versionMinor, &detail::createKind<T>};
}

/// \brief Every kind this core loads (core/src/kinds.cpp), in id order.
const std::vector<KindEntry> &pluginKindEntries();
const KindEntry *findKind(uint32_t id) noexcept;
const KindEntry *findKind(std::string_view name) noexcept;

/// \brief Add a kind at run time (tests of a test-only kind). Not thread-safe; call before
/// the first Context is created. \return false when the id or name is taken
bool registerKind(const KindEntry &entry);

} // namespace tb
