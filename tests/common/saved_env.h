// SPDX-License-Identifier: Apache-2.0
// Environment variables a test changes, put back afterwards. Header-only, standard library only.
#pragma once

#include <cstdlib>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace tb::test {

/// \brief Saves the variables \a names; restore() (also run on destruction) sets each back,
/// or unsets it where it was unset.
class SavedEnv {
public:
	explicit SavedEnv(std::initializer_list<const char *> names) : names_(names)
	{
		for (const char *v : names_)
			if (const char *old = std::getenv(v))
				saved_[v] = old;
	}
	~SavedEnv() { restore(); }
	SavedEnv(const SavedEnv &) = delete;
	SavedEnv &operator=(const SavedEnv &) = delete;

	void restore() const
	{
		for (const char *v : names_)
			if (auto it = saved_.find(v); it != saved_.end())
				::setenv(v, it->second.c_str(), 1);
			else
				::unsetenv(v);
	}

private:
	std::vector<const char *> names_;
	std::map<std::string, std::string> saved_;
};

/// \brief Points XDG_STATE_HOME, XDG_CACHE_HOME, XDG_RUNTIME_DIR and XDG_DATA_HOME at
/// \a root's state, cache, run and data subdirectories.
inline void setXdgDirsUnder(const std::string &root)
{
	::setenv("XDG_STATE_HOME", (root + "/state").c_str(), 1);
	::setenv("XDG_CACHE_HOME", (root + "/cache").c_str(), 1);
	::setenv("XDG_RUNTIME_DIR", (root + "/run").c_str(), 1);
	::setenv("XDG_DATA_HOME", (root + "/data").c_str(), 1);
}

} // namespace tb::test
