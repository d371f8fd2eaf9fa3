// The names people give: usernames are folded to one spelling before they
// are stored or looked up, so "Alice" and "alice" are one account, and
// limited to a plain alphabet, so that no two names look alike. Display
// names are free text within bounds.
//
// Thread-safe: pure functions.
#pragma once

#include "server/api.hpp"

#include <string>
#include <string_view>

namespace server {

inline constexpr std::size_t kUsernameMax = 64;
inline constexpr std::size_t kDisplayNameMax = 64;

// Trims spaces, folds ASCII letters to lower case, then requires 1 to 64
// characters from a-z 0-9 . _ @ + -. Fails with username_invalid.
api_result<std::string> normalize_username(std::string_view input);

// Trims spaces; 1 to 64 characters (code points) of valid UTF-8, without
// control characters. Fails with display_name_invalid.
api_result<std::string> check_display_name(std::string_view input);

}  // namespace server
