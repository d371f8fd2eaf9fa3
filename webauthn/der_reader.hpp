// A small strict DER reader (ITU-T X.690) for the certificate extensions
// that attestation formats define themselves: the Android key description
// and Apple's nonce. OpenSSL parses the certificates; this reads only the
// bytes inside one extension value.
//
// Strict: definite, minimal lengths of at most four bytes; tag numbers in
// minimal base-128 form of at most four bytes; a length longer than what
// is left is an error. The reader never recurses: a caller opens a nested
// element by making a new reader over its content, so nesting depth is
// the caller's, and bounded by the schema it reads.
//
// Thread-safe: a der_reader is a cursor over borrowed bytes, not shared.
// Nothing here throws or allocates.
#pragma once

#include "common/bytes.hpp"

#include <cstdint>
#include <optional>

namespace webauthn {

enum class der_class : std::uint8_t {
  universal = 0,
  application = 1,
  context = 2,
  private_use = 3,
};

// Universal tag numbers used by the readers of this layer.
namespace der_tag {
inline constexpr std::uint32_t integer = 2;
inline constexpr std::uint32_t octet_string = 4;
inline constexpr std::uint32_t null = 5;
inline constexpr std::uint32_t enumerated = 10;
inline constexpr std::uint32_t sequence = 16;
inline constexpr std::uint32_t set = 17;
}  // namespace der_tag

struct der_element {
  der_class tag_class = der_class::universal;
  bool constructed = false;
  std::uint32_t number = 0;
  common::byte_view content;

  bool is(der_class c, bool cons, std::uint32_t n) const noexcept {
    return tag_class == c && constructed == cons && number == n;
  }
};

class der_reader {
 public:
  explicit der_reader(common::byte_view data) noexcept : data_(data) {}

  bool empty() const noexcept { return pos_ == data_.size(); }

  // The next element, or nullopt when the bytes at the cursor are not one
  // well-formed DER element (the cursor is then left where it was).
  std::optional<der_element> next() noexcept;

 private:
  common::byte_view data_;
  std::size_t pos_ = 0;
};

// Exactly one element spanning all of `data`; nullopt otherwise.
std::optional<der_element> der_single(common::byte_view data) noexcept;

// The value of a primitive INTEGER or ENUMERATED content in minimal two's
// complement form that fits in 63 bits and is not negative; nullopt
// otherwise. Every value this layer reads from DER is a small count or
// code, so a negative or huge one is malformed.
std::optional<std::int64_t> der_small_unsigned(
    common::byte_view content) noexcept;

}  // namespace webauthn
