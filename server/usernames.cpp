#include "server/usernames.hpp"

#include "webauthn/utf8.hpp"

#include <algorithm>

namespace server {
namespace {

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ')
    text.remove_suffix(1);
  return text;
}

bool username_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '+' || c == '-';
}

}  // namespace

api_result<std::string> normalize_username(std::string_view input) {
  std::string out(trim_spaces(input));
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (out.empty() || out.size() > kUsernameMax ||
      !std::all_of(out.begin(), out.end(), username_char)) {
    api_failure failure(api_error::username_invalid);
    failure.member = "username";
    return failure;
  }
  return out;
}

api_result<std::string> check_display_name(std::string_view input) {
  const std::string_view text = trim_spaces(input);
  api_failure failure(api_error::display_name_invalid);
  failure.member = "displayName";
  if (text.empty() ||
      webauthn::utf8_valid_prefix(common::as_bytes(text)) != text.size())
    return failure;
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F)
      return failure;
    // C1 controls, U+0080 to U+009F, are 0xC2 0x80 to 0xC2 0x9F.
    if (byte == 0xC2 && i + 1 < text.size() &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F)
      return failure;
    // Count lead bytes only: continuation bytes are 10xxxxxx.
    if ((byte & 0xC0) != 0x80)
      ++code_points;
  }
  if (code_points > kDisplayNameMax)
    return failure;
  return std::string(text);
}

}  // namespace server
