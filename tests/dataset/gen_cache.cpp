// SPDX-License-Identifier: Apache-2.0
// tb-gen-cache DIR [MIB] [SEED]: write the benchmark cache (tests/dataset) into DIR.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dataset.h"

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		std::fprintf(stderr, "usage: tb-gen-cache DIR [MIB=450] [SEED=1]\n");
		return 2;
	}
	tb::dataset::Options o;
	if (argc > 2)
		o.bytes = std::strtoll(argv[2], nullptr, 10) << 20;
	if (argc > 3)
		o.seed = std::strtoull(argv[3], nullptr, 10);
	tb::dataset::Summary s;
	std::string error;
	if (!tb::dataset::generate(argv[1], o, s, error)) {
		std::fprintf(stderr, "tb-gen-cache: %s\n", error.c_str());
		return 1;
	}
	std::printf("%lld files, %lld bytes, %d kernels\n", static_cast<long long>(s.files),
		    static_cast<long long>(s.bytes), s.kernels);
	return 0;
}
