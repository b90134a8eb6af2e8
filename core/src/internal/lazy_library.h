// SPDX-License-Identifier: Apache-2.0
// A C library libtb opens on first use instead of at start-up (archive_lazy.cpp,
// crypto_lazy.cpp): every verb starts by mapping libtb, and most never need these.
#pragma once

#include <cstdio>

#include <dlfcn.h>
#include <unistd.h>

// The forwarding definitions are hidden: libtb's own calls bind to them, nothing else sees them.
#define TB_HIDDEN __attribute__((visibility("hidden")))

namespace tb::lazy {

// As when the dynamic linker cannot find a library at start-up: say which, exit 127.
[[noreturn]] inline void fail(const char *library, const char *what)
{
	std::fprintf(stderr, "tb: cannot load %s: %s\n", library, what ? what : "unknown error");
	::_exit(127);
}

// Opens \a soname and fills \a api: \a fill(lib) looks up each function with symbol().
template<typename Api, typename Fill>
Api load(const char *soname, const char *library, Fill fill)
{
	void *lib = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		fail(library, ::dlerror());
	Api api{};
	fill(lib, api);
	return api;
}

template<typename F>
void symbol(void *lib, const char *name, const char *library, F &out)
{
	out = reinterpret_cast<F>(::dlsym(lib, name));
	if (!out)
		fail(library, name);
}

} // namespace tb::lazy

// The real name of a function, after the header's macros (zlib's crc32_combine is
// crc32_combine64 with 64-bit file offsets).
#define TB_LAZY_NAME_(name) #name
#define TB_LAZY_NAME(name) TB_LAZY_NAME_(name)
#define TB_LAZY_FIELD(name) decltype(&::name) name;
#define TB_LAZY_SYMBOL(name) ::tb::lazy::symbol(lib, TB_LAZY_NAME(name), library, a.name);

/// \brief `const Api &accessor()`: the functions FUNCTIONS lists (an X-macro) of \a soname,
/// opened on the first call; \a label names the library in the message when that fails.
#define TB_LAZY_LIBRARY(Api, accessor, soname, label, FUNCTIONS)                                   \
	struct Api {                                                                               \
		FUNCTIONS(TB_LAZY_FIELD)                                                           \
	};                                                                                         \
	const Api &accessor()                                                                      \
	{                                                                                          \
		static const Api loaded =                                                          \
			::tb::lazy::load<Api>(soname, label, [](void *lib, Api &a) {               \
				const char *library = label;                                       \
				FUNCTIONS(TB_LAZY_SYMBOL)                                          \
			});                                                                        \
		return loaded;                                                                     \
	}
