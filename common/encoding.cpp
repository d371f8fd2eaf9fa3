#include "common/encoding.hpp"

#include <array>

namespace common {
namespace {

constexpr std::string_view kBase64url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_base64url_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::size_t i = 0; i < kBase64url.size(); ++i) {
    table[static_cast<unsigned char>(kBase64url[i])] =
        static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr auto kBase64urlValues = make_base64url_table();

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string base64url_encode(byte_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{data[i]} << 16) |
                            (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += kBase64url[(n >> 18) & 63];
    out += kBase64url[(n >> 12) & 63];
    out += kBase64url[(n >> 6) & 63];
    out += kBase64url[n & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t n = std::uint32_t{data[i]} << 16;
    if (rest == 2)
      n |= std::uint32_t{data[i + 1]} << 8;
    out += kBase64url[(n >> 18) & 63];
    out += kBase64url[(n >> 12) & 63];
    if (rest == 2)
      out += kBase64url[(n >> 6) & 63];
  }
  return out;
}

result<bytes> base64url_decode(std::string_view text) {
  // A single leftover character would carry only six bits: no byte.
  if (text.size() % 4 == 1)
    return errc::base64url_bad_length;
  bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : text) {
    const std::uint8_t value = kBase64urlValues[static_cast<unsigned char>(c)];
    if (value == kInvalid) {
      return c == '=' ? errc::base64url_padding : errc::base64url_bad_character;
    }
    accumulator = (accumulator << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(accumulator >> bits));
      accumulator &= (1u << bits) - 1;
    }
  }
  // The bits left over must be zero, or two texts would decode the same.
  if (accumulator != 0)
    return errc::base64url_noncanonical_tail;
  return out;
}

std::string hex_encode(byte_view data) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (const std::uint8_t b : data) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

result<bytes> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0)
    return errc::hex_odd_length;
  bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = hex_value(text[i]);
    const int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0)
      return errc::hex_bad_character;
    out.push_back(static_cast<std::uint8_t>((high << 4) | low));
  }
  return out;
}

}  // namespace common
