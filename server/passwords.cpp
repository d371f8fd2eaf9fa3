#include "server/passwords.hpp"

#include "common/encoding.hpp"
#include "webauthn/utf8.hpp"

#include <openssl/sha.h>

#include <uninorm.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>

namespace server {
namespace {

using digest = std::array<std::uint8_t, 20>;

digest sha1_of(std::string_view text) {
  digest out{};
  // SHA-1 here only names a list entry, as published lists name them.
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
       out.data());
  return out;
}

struct free_deleter {
  void operator()(std::uint8_t* p) const noexcept { std::free(p); }
};

std::size_t characters(std::string_view utf8) {
  return static_cast<std::size_t>(std::count_if(
      utf8.begin(), utf8.end(),
      [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::optional<std::string> nfkc(std::string_view text) {
  std::size_t length = 0;
  const std::unique_ptr<std::uint8_t, free_deleter> normalized(u8_normalize(
      UNINORM_NFKC, reinterpret_cast<const std::uint8_t*>(text.data()),
      text.size(), nullptr, &length));
  if (!normalized)
    return std::nullopt;
  return std::string(reinterpret_cast<const char*>(normalized.get()), length);
}

// A hex SHA-1, optionally followed by :COUNT: the form published lists use.
std::optional<digest> hex_entry(std::string_view line) {
  const auto colon = line.find(':');
  const auto hex = line.substr(0, colon);
  if (hex.size() != 40)
    return std::nullopt;
  const auto bytes = common::hex_decode(hex);
  if (!bytes)
    return std::nullopt;
  digest out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

}  // namespace

boost::system::result<breach_list, std::string> breach_list::load(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "cannot read " + path;
  breach_list out;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      continue;
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (auto entry = hex_entry(lower)) {
      out.digests_.push_back(*entry);
      continue;
    }
    const auto normalized = nfkc(line);
    if (!normalized) {
      return path + " line " + std::to_string(number) + ": not UTF-8 text";
    }
    out.digests_.push_back(sha1_of(*normalized));
  }
  std::sort(out.digests_.begin(), out.digests_.end());
  out.digests_.erase(std::unique(out.digests_.begin(), out.digests_.end()),
                     out.digests_.end());
  return out;
}

bool breach_list::contains(std::string_view normalized) const {
  return std::binary_search(digests_.begin(), digests_.end(),
                            sha1_of(normalized));
}

api_result<std::string> normalize_password(std::string_view input,
                                           const password_rules& rules) {
  if (input.size() > rules.max_bytes) {
    return api_failure(
        api_error::password_too_long,
        "A password is at most " + std::to_string(rules.max_bytes) + " bytes.");
  }
  if (webauthn::utf8_valid_prefix(common::as_bytes(input)) != input.size()) {
    api_failure bad(api_error::member_invalid, "The password is not UTF-8.");
    bad.member = "password";
    return bad;
  }
  auto normalized = nfkc(input);
  if (!normalized)
    return api_failure(api_error::internal);
  return std::move(*normalized);
}

api_result<std::string> check_new_password(std::string_view input,
                                           const password_rules& rules) {
  auto normalized = normalize_password(input, rules);
  if (!normalized)
    return normalized.error();
  if (characters(*normalized) < rules.min_length) {
    return api_failure(api_error::password_too_short,
                       "A password has at least " +
                           std::to_string(rules.min_length) + " characters.");
  }
  if (rules.breached != nullptr && rules.breached->contains(*normalized))
    return api_failure(api_error::password_breached);
  return std::move(*normalized);
}

}  // namespace server
