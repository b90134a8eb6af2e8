// SPDX-License-Identifier: Apache-2.0
// RunPlan: what a prepared run holds, released once on every exit path; shell quoting.
#include <cctype>
#include <string_view>

#include <tb/run.h>

#include "run/run_internal.h"

namespace tb {

RunPlan::RunPlan() : held(std::make_unique<Held>())
{
}
RunPlan::~RunPlan()
{
	release();
}
RunPlan::RunPlan(RunPlan &&) noexcept = default;
RunPlan &RunPlan::operator=(RunPlan &&o) noexcept
{
	if (this != &o) {
		release();
		runtime = std::move(o.runtime);
		gpus = std::move(o.gpus);
		request = std::move(o.request);
		invocation = std::move(o.invocation);
		specs = std::move(o.specs);
		persistentSpecs = std::move(o.persistentSpecs);
		cacheDir = std::move(o.cacheDir);
		cacheView = std::move(o.cacheView);
		viewKind = std::move(o.viewKind);
		warnings = std::move(o.warnings);
		held = std::move(o.held);
	}
	return *this;
}

void RunPlan::release() noexcept
{
	if (held)
		held->release();
}

void RunPlan::Held::release() noexcept
{
	// Last taken, first given back: the view before the cache it shows, the spec before
	// the lease on the GPUs it names.
	while (!undo.empty()) {
		auto fn = std::move(undo.back());
		undo.pop_back();
		try {
			fn();
		} catch (...) {
			// A cleanup that cannot finish must not stop the others.
		}
	}
}

std::string shellQuote(const std::vector<std::string> &argv)
{
	std::string out;
	for (const auto &a : argv) {
		if (!out.empty())
			out += ' ';
		bool plain = !a.empty();
		for (char c : a)
			plain = plain &&
				(std::isalnum(static_cast<unsigned char>(c)) ||
				 std::string_view("@%+=:,./_-").find(c) != std::string_view::npos);
		if (plain) {
			out += a;
			continue;
		}
		out += '\'';
		for (char c : a)
			out += c == '\'' ? std::string("'\\''") : std::string(1, c);
		out += '\'';
	}
	return out;
}

} // namespace tb
