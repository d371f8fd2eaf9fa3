// Base32 (RFC 4648 section 6), the encoding of TOTP secrets in otpauth URIs
// and in authenticator apps' manual-entry screens.
//
// The encoder writes upper case without padding, as the Key URI format
// asks. The decoder is strict about everything except what people and apps
// legitimately vary: it accepts upper and lower case and the optional '='
// padding, but only the exact amount of padding the length calls for. White
// space, separators, characters of other alphabets and non-zero bits after
// the last byte are refused, so each byte string has one spelling per case
// and padding choice.
//
// Thread-safe; pure functions.
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"

namespace common {

// Upper case, unpadded.
std::string base32_encode(byte_view data);

// Fails with base32_bad_character (outside A-Z, a-z, 2-7),
// base32_bad_padding ('=' anywhere but at the end, or not the amount the
// length calls for), base32_bad_length (1, 3 or 6 characters in the last
// group: no whole byte) or base32_noncanonical_tail.
result<bytes> base32_decode(std::string_view text);

}  // namespace common
