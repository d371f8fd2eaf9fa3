#include "webauthn/der_reader.hpp"

namespace webauthn {
namespace {

constexpr std::uint8_t kHighTagNumber = 0x1F;
constexpr std::size_t kMaxTagBytes = 4;
constexpr std::size_t kMaxLengthBytes = 4;

// Reads a high tag number (the bytes after a first byte of 0x1F).
bool read_tag_number(common::byte_view data, std::size_t& pos,
                     std::uint32_t& number) noexcept {
  number = 0;
  for (std::size_t i = 0; i < kMaxTagBytes; ++i) {
    if (pos == data.size())
      return false;
    const std::uint8_t b = data[pos++];
    // A leading 0x80 would be a non-minimal encoding.
    if (i == 0 && b == 0x80)
      return false;
    number = (number << 7) | (b & 0x7Fu);
    if ((b & 0x80) == 0)
      return number >= kHighTagNumber;
  }
  return false;
}

bool read_length(common::byte_view data, std::size_t& pos,
                 std::size_t& length) noexcept {
  if (pos == data.size())
    return false;
  const std::uint8_t first = data[pos++];
  if (first < 0x80) {
    length = first;
    return true;
  }
  // 0x80 is the indefinite form, which DER forbids.
  const std::size_t count = first & 0x7Fu;
  if (count == 0 || count > kMaxLengthBytes || count > data.size() - pos)
    return false;
  if (data[pos] == 0)
    return false;
  length = 0;
  for (std::size_t i = 0; i < count; ++i)
    length = (length << 8) | data[pos++];
  return length >= 0x80;
}

}  // namespace

std::optional<der_element> der_reader::next() noexcept {
  std::size_t pos = pos_;
  if (pos == data_.size())
    return std::nullopt;
  const std::uint8_t first = data_[pos++];
  der_element out;
  out.tag_class = static_cast<der_class>(first >> 6);
  out.constructed = (first & 0x20) != 0;
  out.number = first & kHighTagNumber;
  if (out.number == kHighTagNumber && !read_tag_number(data_, pos, out.number))
    return std::nullopt;
  std::size_t length = 0;
  if (!read_length(data_, pos, length) || length > data_.size() - pos)
    return std::nullopt;
  out.content = data_.subspan(pos, length);
  pos_ = pos + length;
  return out;
}

std::optional<der_element> der_single(common::byte_view data) noexcept {
  der_reader reader(data);
  auto element = reader.next();
  if (!element || !reader.empty())
    return std::nullopt;
  return element;
}

std::optional<std::int64_t> der_small_unsigned(
    common::byte_view content) noexcept {
  if (content.empty() || content.size() > 8 || (content[0] & 0x80) != 0)
    return std::nullopt;
  if (content.size() > 1 && content[0] == 0 && (content[1] & 0x80) == 0)
    return std::nullopt;
  std::uint64_t value = 0;
  for (const std::uint8_t b : content)
    value = (value << 8) | b;
  return static_cast<std::int64_t>(value);
}

}  // namespace webauthn
