// A strict UTF-8 validator shared by the clientDataJSON parser and the CBOR
// pre-scan (CBOR text strings must be UTF-8 too).
//
// Strict means RFC 3629: no overlong forms, no UTF-16 surrogates (U+D800 to
// U+DFFF), nothing above U+10FFFF, and no truncated sequences.
// Thread-safe; a pure function.
#pragma once

#include "common/bytes.hpp"

#include <cstddef>

namespace webauthn {

// The length of the longest prefix of `data` that is whole, valid UTF-8
// characters. The data is valid exactly when this equals data.size().
std::size_t utf8_valid_prefix(common::byte_view data) noexcept;

}  // namespace webauthn
