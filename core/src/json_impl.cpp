// SPDX-License-Identifier: Apache-2.0
// Boost.JSON compiled into libtb (its documented header-only use) instead of linked: one
// library fewer to map and relocate at every start-up (docs/benchmarks.md). libtb's hidden
// visibility keeps this copy its own; plugins link the shared library as before.
#include <boost/json/src.hpp>
