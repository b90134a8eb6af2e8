// SPDX-License-Identifier: Apache-2.0
// toml++ compiled into libtb (the library's own "implementation in one file" mode) instead of
// linked: one library fewer to map and relocate at every start-up (docs/benchmarks.md).
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
