// Apple's anonymous attestation nonce extension (OID 1.2.840.113635.100.8.2,
// WebAuthn Level 3 section 8.8): SEQUENCE { [1] EXPLICIT OCTET STRING }.
// Internal to webauthn/: the apple verifier includes it.
//
// Thread-safe; pure functions. Nothing here throws.
#pragma once

#include "common/bytes.hpp"

#include <optional>

namespace webauthn {

inline constexpr const char* kAppleNonceOid = "1.2.840.113635.100.8.2";

// The nonce inside the extension value, viewing `der`; nullopt when the
// value is not exactly that structure in DER.
std::optional<common::byte_view> parse_apple_nonce(
    common::byte_view der) noexcept;

}  // namespace webauthn
