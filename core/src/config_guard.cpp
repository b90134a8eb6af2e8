// SPDX-License-Identifier: Apache-2.0
// Key parts and nesting depth counted before TOML parsing. Only what the limits need is
// lexed (strings, comments, keys, brackets); syntax errors are left to the parser.
#include "internal/config_guard.h"

#include <string>
#include <vector>

namespace tb {

namespace {

class ShapeScanner {
public:
	ShapeScanner(std::string_view text, std::string_view origin) : t_(text), origin_(origin) {}

	Result<void> run()
	{
		bool lineStart = true, inlineKey = false;
		while (i_ < t_.size()) {
			char c = t_[i_];
			if (c == ' ' || c == '\t' || c == '\r') {
				++i_;
			} else if (c == '#') {
				while (i_ < t_.size() && t_[i_] != '\n')
					++i_;
			} else if (c == '\n') {
				newline();
				lineStart = stack_.empty();
			} else if (lineStart) {
				lineStart = false;
				if (c == '[') { // [table] or [[array of tables]]
					i_ += i_ + 1 < t_.size() && t_[i_ + 1] == '[' ? 2 : 1;
					TB_TRY(key("table header"));
					while (i_ < t_.size() && t_[i_] == ']')
						++i_;
				} else {
					TB_TRY(key("key"));
				}
			} else if (inlineKey && c != '}') {
				inlineKey = false;
				TB_TRY(key("key"));
			} else if (c == '"' || c == '\'') {
				skipString();
			} else if (c == '[' || c == '{') {
				size_t at = i_++;
				stack_.push_back(c);
				if (static_cast<int>(stack_.size()) > MaxConfigNesting)
					return fail(at,
						    "arrays and inline tables nest deeper than " +
							    std::to_string(MaxConfigNesting) +
							    " levels");
				inlineKey = c == '{';
			} else if (c == ']' || c == '}') {
				++i_;
				inlineKey = false;
				if (!stack_.empty())
					stack_.pop_back();
			} else if (c == ',') {
				++i_;
				inlineKey = !stack_.empty() && stack_.back() == '{';
			} else {
				++i_;
			}
		}
		return {};
	}

private:
	void newline()
	{
		++line_;
		lineStart_ = ++i_;
	}

	Unexpected<Error> fail(size_t at, const std::string &why) const
	{
		return err(Errc::InvalidArgument,
			   std::string(origin_) + ":" + std::to_string(line_) + ":" +
				   std::to_string(at - lineStart_ + 1) + ": " + why);
	}

	// A string value or quoted key part: "..." '...' """...""" '''...'''.
	void skipString()
	{
		char q = t_[i_];
		bool triple = t_.substr(i_, 3) == std::string(3, q);
		i_ += triple ? 3 : 1;
		while (i_ < t_.size()) {
			char c = t_[i_];
			if (c == '\\' && q == '"') {
				i_ += 2;
			} else if (c == '\n') {
				if (!triple)
					return; // unterminated: the parser says so
				newline();
			} else if (c == q && (!triple || t_.substr(i_, 3) == std::string(3, q))) {
				i_ += triple ? 3 : 1;
				return;
			} else {
				++i_;
			}
		}
	}

	// One key or header name up to '=' / ']': bare and quoted parts joined by dots.
	Result<void> key(const char *what)
	{
		size_t at = i_;
		int parts = 1;
		while (i_ < t_.size()) {
			char c = t_[i_];
			if (c == '"' || c == '\'') {
				skipString();
				continue;
			}
			if (c == '=' || c == ']' || c == '\n' || c == '#' || c == '[' || c == '{' ||
			    c == '}' || c == ',')
				break;
			if (c == '.' && ++parts > MaxConfigKeyParts)
				return fail(at, std::string(what) + " has more than " +
							std::to_string(MaxConfigKeyParts) +
							" dotted parts");
			++i_;
		}
		if (i_ < t_.size() && t_[i_] == '=')
			++i_;
		return {};
	}

	std::string_view t_, origin_;
	size_t i_ = 0, lineStart_ = 0;
	int line_ = 1;
	std::vector<char> stack_;
};

} // namespace

Result<void> checkConfigShape(std::string_view text, std::string_view origin)
{
	return ShapeScanner(text, origin).run();
}

} // namespace tb
