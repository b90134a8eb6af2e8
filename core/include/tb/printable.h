// SPDX-License-Identifier: Apache-2.0
// Outside text (tar entry names, tags, labels, registry answers) made safe for a terminal.
// Header-only, standard library only: for libtb, the CLI and plugins alike.
#pragma once

#include <string>
#include <string_view>

namespace tb {

/// \brief \a text with everything a terminal could act on escaped: C0 controls and DEL as
/// \xNN, C1 controls (U+0080-U+009F, whose U+009B starts a CSI sequence) as \u00NN, and
/// bytes that are not UTF-8 as \xNN. Printable UTF-8 is kept; so is the backslash, which
/// makes the escape idempotent.
inline std::string printable(std::string_view text)
{
	static constexpr char Hex[] = "0123456789abcdef";
	std::string out;
	out.reserve(text.size());
	auto byte = [&](unsigned char c) {
		out += "\\x";
		out += Hex[c >> 4];
		out += Hex[c & 15];
	};
	for (size_t i = 0; i < text.size();) {
		auto c = static_cast<unsigned char>(text[i]);
		if (c < 0x20 || c == 0x7f) {
			byte(c);
			++i;
			continue;
		}
		if (c < 0x80) {
			out += static_cast<char>(c);
			++i;
			continue;
		}
		// The length and range rules of RFC 3629 (no overlongs, no surrogates).
		size_t len = c >= 0xc2 && c <= 0xdf   ? 2
			     : c >= 0xe0 && c <= 0xef ? 3
			     : c >= 0xf0 && c <= 0xf4 ? 4
						      : 0;
		bool ok = len && i + len <= text.size();
		for (size_t k = 1; ok && k < len; ++k)
			ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
		if (ok && len > 2) {
			auto c1 = static_cast<unsigned char>(text[i + 1]);
			ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0) &&
			     !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
		}
		if (!ok) {
			byte(c);
			++i;
			continue;
		}
		auto c1 = static_cast<unsigned char>(text[i + 1]);
		if (c == 0xc2 && c1 < 0xa0) { // C1 control
			out += "\\u00";
			out += Hex[c1 >> 4];
			out += Hex[c1 & 15];
		} else {
			out.append(text.substr(i, len));
		}
		i += len;
	}
	return out;
}

} // namespace tb
