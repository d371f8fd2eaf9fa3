// The rules a new password must meet, and the form every password takes
// before it is hashed: Unicode NFKC, so that the same password typed on
// another keyboard (a full-width digit, a composed accent) is the same
// password. Lengths count characters after normalization; a byte cap bounds
// the work before that.
//
// The breached-password list is read once at start: one entry a line,
// either a password as text or the hex SHA-1 of one (optionally followed
// by :COUNT, as published lists write it). It is kept as sorted 20-byte
// digests, 20 bytes an entry.
//
// Thread-safe: a loaded list is immutable; the functions are pure.
#pragma once

#include "server/api.hpp"

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

namespace server {

class breach_list {
 public:
  // Fails with a sentence naming the file and line.
  static boost::system::result<breach_list, std::string> load(
      const std::string& path);

  // `normalized` is in the list (by its SHA-1).
  bool contains(std::string_view normalized) const;
  std::size_t size() const noexcept { return digests_.size(); }

 private:
  std::vector<std::array<std::uint8_t, 20>> digests_;  // sorted
};

struct password_rules {
  std::size_t min_length = 8;    // characters, after NFKC
  std::size_t max_bytes = 1024;  // of the UTF-8 input
  const breach_list* breached = nullptr;
};

// The NFKC form of a submitted password. Fails with password_too_long over
// max_bytes (before any work), member_invalid when it is not UTF-8.
api_result<std::string> normalize_password(std::string_view input,
                                           const password_rules& rules);

// A new password: normalized, then at least min_length characters and not
// in the breached list. Fails with the errors of normalize_password,
// password_too_short or password_breached.
api_result<std::string> check_new_password(std::string_view input,
                                           const password_rules& rules);

}  // namespace server
