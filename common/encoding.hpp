// Strict text encodings of binary data: base64url (RFC 4648 section 5,
// unpadded, as WebAuthn's JSON uses it) and lower-case hex.
//
// Decoders accept exactly one spelling per byte string: no padding, no
// white space, no characters from other alphabets, and no stray bits in the
// last character. Thread-safe; pure functions.
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"

namespace common {

std::string base64url_encode(byte_view data);

// Fails with base64url_bad_character, base64url_padding,
// base64url_bad_length or base64url_noncanonical_tail.
result<bytes> base64url_decode(std::string_view text);

std::string hex_encode(byte_view data);

// Accepts upper and lower case. Fails with hex_odd_length or
// hex_bad_character.
result<bytes> hex_decode(std::string_view text);

}  // namespace common
