// SPDX-License-Identifier: Apache-2.0
// WWW-Authenticate parsing (RFC 7235) and the Basic credential encoding.
#include <cctype>

#include <openssl/evp.h>

#include "tbsupport/host_fs.h"
#include "tbsupport/reg_client.h"

namespace tb::registry {

namespace {

bool tokenChar(char c)
{
	return std::isalnum(static_cast<unsigned char>(c)) ||
	       std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

class Scanner {
public:
	explicit Scanner(std::string_view s) : s_(s) {}
	void spaces()
	{
		while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t'))
			++i_;
	}
	bool done() const { return i_ >= s_.size(); }
	char peek() const { return done() ? '\0' : s_[i_]; }
	void skip() { ++i_; }
	std::string token()
	{
		size_t start = i_;
		while (i_ < s_.size() && tokenChar(s_[i_]))
			++i_;
		return std::string(s_.substr(start, i_ - start));
	}
	std::string quoted()
	{
		std::string out;
		++i_; // opening quote
		while (i_ < s_.size() && s_[i_] != '"') {
			if (s_[i_] == '\\' && i_ + 1 < s_.size())
				++i_;
			out += s_[i_++];
		}
		if (i_ < s_.size())
			++i_; // closing quote; a value cut short ends at the end of the header
		return out;
	}
	size_t pos() const { return i_; }
	void seek(size_t p) { i_ = p; }

private:
	std::string_view s_;
	size_t i_ = 0;
};

void parseOne(std::string_view value, std::vector<Challenge> &out)
{
	Scanner s(value);
	for (;;) {
		s.spaces();
		while (s.peek() == ',') {
			s.skip();
			s.spaces();
		}
		if (s.done())
			return;
		std::string scheme = s.token();
		if (scheme.empty())
			return; // garbage: keep what we have
		Challenge c{support::asciiLower(scheme), {}};
		for (;;) {
			s.spaces();
			size_t mark = s.pos();
			std::string name = s.token();
			s.spaces();
			if (name.empty() || s.peek() != '=') {
				s.seek(mark); // the next challenge's scheme
				break;
			}
			s.skip();
			s.spaces();
			std::string v = s.peek() == '"' ? s.quoted() : s.token();
			c.params[support::asciiLower(name)] = v;
			s.spaces();
			if (s.peek() == ',')
				s.skip();
		}
		out.push_back(std::move(c));
	}
}

} // namespace

std::vector<Challenge> parseChallenges(const std::vector<std::string> &values)
{
	std::vector<Challenge> out;
	for (const auto &v : values)
		parseOne(v, out);
	return out;
}

std::string userPasswordBase64(const std::string &user, const std::string &password)
{
	std::string plain = user + ":" + password;
	std::string enc(4 * ((plain.size() + 2) / 3) + 1, '\0');
	int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(enc.data()),
				reinterpret_cast<const unsigned char *>(plain.data()),
				static_cast<int>(plain.size()));
	enc.resize(static_cast<size_t>(n));
	return enc;
}

std::string basicAuthorization(const std::string &user, const std::string &password)
{
	return "Basic " + userPasswordBase64(user, password);
}

} // namespace tb::registry
