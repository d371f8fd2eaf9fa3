#include "webauthn/utf8.hpp"

namespace webauthn {
namespace {

bool is_continuation(std::uint8_t b) noexcept {
  return (b & 0xC0) == 0x80;
}

// The number of bytes of the character that starts at `i`, or 0 when the
// bytes there do not form one valid character. The lead byte fixes the
// length; the ranges allowed for the second byte exclude overlong forms,
// surrogates and code points past U+10FFFF (RFC 3629, section 4).
std::size_t character_length(common::byte_view data, std::size_t i) noexcept {
  const std::uint8_t lead = data[i];
  if (lead < 0x80)
    return 1;
  std::size_t length = 0;
  std::uint8_t low = 0x80;
  std::uint8_t high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0)
      low = 0xA0;
    if (lead == 0xED)
      high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0)
      low = 0x90;
    if (lead == 0xF4)
      high = 0x8F;
  } else {
    return 0;
  }
  if (data.size() - i < length)
    return 0;
  if (data[i + 1] < low || data[i + 1] > high)
    return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!is_continuation(data[i + k]))
      return 0;
  }
  return length;
}

}  // namespace

std::size_t utf8_valid_prefix(common::byte_view data) noexcept {
  std::size_t i = 0;
  while (i < data.size()) {
    const std::size_t length = character_length(data, i);
    if (length == 0)
      break;
    i += length;
  }
  return i;
}

}  // namespace webauthn
