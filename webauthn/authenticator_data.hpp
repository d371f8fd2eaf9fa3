// Authenticator data (WebAuthn Level 3, section 6.1): the bytes an
// authenticator signs, parsed strictly.
//
// Layout: rpIdHash (32) | flags (1) | signCount (4, big-endian) |
// attested credential data when AT is set | extensions when ED is set.
// Nothing may follow the last part. The COSE key is kept as raw bytes
// (see cose_key.hpp to turn it into a key); the extensions as one raw,
// pre-scanned CBOR map.
//
// Thread-safe; pure functions.
#pragma once

#include "common/bytes.hpp"
#include "webauthn/error.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace webauthn {

// The flag bits by name. Bits 1 and 5 are reserved and ignored, as the
// spec requires.
struct authenticator_flags {
  bool user_present = false;     // UP, bit 0
  bool user_verified = false;    // UV, bit 2
  bool backup_eligible = false;  // BE, bit 3
  bool backup_state = false;     // BS, bit 4
  bool attested_data = false;    // AT, bit 6
  bool extension_data = false;   // ED, bit 7
};

authenticator_flags decode_flags(std::uint8_t bits) noexcept;

using aaguid = std::array<std::uint8_t, 16>;

struct attested_credential {
  webauthn::aaguid aaguid{};
  common::bytes credential_id;  // at most 1023 bytes
  common::bytes public_key;     // one pre-scanned CBOR item, COSE_Key
};

struct authenticator_data {
  common::bytes raw;  // every byte, as signed
  std::array<std::uint8_t, 32> rp_id_hash{};
  authenticator_flags flags;
  std::uint32_t sign_count = 0;
  std::optional<attested_credential> attested;  // exactly when AT is set
  std::optional<common::bytes> extensions;      // exactly when ED is set
};

// Fails with
// - authenticator_data_truncated when the data ends inside a fixed field,
//   a declared credential id, or before the COSE key or extensions that
//   the flags announce,
// - credential_id_too_long when the declared id length exceeds 1023,
// - cbor_* from the pre-scan of the COSE key or of the extensions,
// - extensions_malformed when the extensions are not a CBOR map,
// - authenticator_data_trailing_bytes when bytes follow the last part.
result<authenticator_data> parse_authenticator_data(common::byte_view data);

}  // namespace webauthn
