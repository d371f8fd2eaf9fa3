#include "common/base32.hpp"

#include <array>

namespace common {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    const auto c = static_cast<unsigned char>(kAlphabet[i]);
    table[c] = static_cast<std::uint8_t>(i);
    if (c >= 'A' && c <= 'Z')
      table[c - 'A' + 'a'] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr auto kValues = make_table();

// The padding a final group of `rest` characters needs, or -1 when no
// whole byte ends there (1, 3 or 6 characters).
constexpr int padding_for(std::size_t rest) noexcept {
  constexpr int kPadding[8] = {0, -1, 6, -1, 4, 3, -1, 1};
  return kPadding[rest];
}

// Splits `text` into data and padding, checking every character first so
// that a stray character is named as such rather than as a bad length.
result<std::string_view> strip_padding(std::string_view text) {
  bool in_padding = false;
  for (const char c : text) {
    if (c == '=') {
      in_padding = true;
    } else if (in_padding) {
      return errc::base32_bad_padding;
    } else if (kValues[static_cast<unsigned char>(c)] == kInvalid) {
      return errc::base32_bad_character;
    }
  }
  const std::size_t last = text.find_last_not_of('=');
  const std::size_t body = last == std::string_view::npos ? 0 : last + 1;
  const std::size_t pad = text.size() - body;
  const int expected = padding_for(body % 8);
  if (expected < 0)
    return errc::base32_bad_length;
  if (pad != 0 && pad != static_cast<std::size_t>(expected))
    return errc::base32_bad_padding;
  return text.substr(0, body);
}

}  // namespace

std::string base32_encode(byte_view data) {
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const std::uint8_t b : data) {
    accumulator = (accumulator << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kAlphabet[(accumulator >> bits) & 31];
    }
    accumulator &= (1u << bits) - 1;
  }
  if (bits > 0)
    out += kAlphabet[(accumulator << (5 - bits)) & 31];
  return out;
}

result<bytes> base32_decode(std::string_view text) {
  const auto body = strip_padding(text);
  if (!body)
    return body.error();
  bytes out;
  out.reserve(body->size() * 5 / 8);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : *body) {
    const std::uint8_t value = kValues[static_cast<unsigned char>(c)];
    accumulator = (accumulator << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(accumulator >> bits));
      accumulator &= (1u << bits) - 1;
    }
  }
  // Leftover bits must be zero, or two texts would decode to the same bytes.
  if (accumulator != 0)
    return errc::base32_noncanonical_tail;
  return out;
}

}  // namespace common
