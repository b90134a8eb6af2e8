// SPDX-License-Identifier: Apache-2.0
// Interfaces that grow: every object crossing the plugin boundary carries the minor version
// of the header its implementation was compiled against.
#pragma once

#include <cstdint>

namespace tb {

/// \brief Base of every interface that crosses the plugin boundary (kinds, the objects they
/// return, Host and its services).
///
/// Inside one major version an interface only grows: new virtual functions are appended
/// after the last one, which (Itanium C++ ABI) only appends vtable slots. An object compiled
/// against minor N has the slots of minors 0..N and no others, so a caller must check
/// apiMinor() before calling a function added in a later minor. The value is the default
/// argument of the interface's protected constructor, so it is evaluated where the
/// implementation is compiled (plugin or core), never where the interface is used.
class Versioned {
public:
	/// \brief The minor version the implementation of this object was compiled against.
	uint16_t apiMinor() const noexcept { return apiMinor_; }

protected:
	explicit constexpr Versioned(uint16_t minor) noexcept : apiMinor_(minor) {}
	Versioned(const Versioned &) = default;
	Versioned &operator=(const Versioned &) = default;
	~Versioned() = default;

private:
	uint16_t apiMinor_;
};

/// \brief True when \a object implements functions introduced in \a minor.
inline bool hasMinor(const Versioned &object, uint16_t minor) noexcept
{
	return object.apiMinor() >= minor;
}

} // namespace tb
