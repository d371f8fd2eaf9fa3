// The one place where Latchkey checks a signature with a public key.
//
// Encodings follow WebAuthn Level 3 section 6.5.6: ECDSA signatures are
// DER (refused unless strictly DER), EdDSA signatures raw (pure EdDSA),
// RS256 is RSASSA-PKCS1-v1_5 with SHA-256, PS256 RSASSA-PSS with SHA-256,
// MGF1 with SHA-256 and a 32-byte salt.
//
// Thread-safe: OpenSSL keys may be shared for verification.
#pragma once

#include "common/bytes.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/error.hpp"

#include <openssl/evp.h>

namespace webauthn {

// Checks `signature` over `message` (the whole message: hashing is part of
// the algorithm). Fails with
// - cose_key_parameters_mismatch when `key` is not of the kind `alg` needs,
// - signature_malformed when the signature is not in the algorithm's
//   encoding (non-DER ECDSA, a wrong EdDSA or RSA length),
// - signature_invalid when it does not verify.
result<void> verify_signature(cose_algorithm alg, EVP_PKEY* key,
                              common::byte_view message,
                              common::byte_view signature);

// COSE's "RS1": RSASSA-PKCS1-v1_5 with SHA-1 (RFC 8812). Not a
// cose_algorithm, so no credential and no other format can select it:
// only the tpm attestation format calls this, because many Windows Hello
// TPMs sign certInfo with it. Fails as verify_signature does.
inline constexpr std::int64_t kCoseAlgorithmRs1 = -65535;
result<void> verify_rs1_signature(EVP_PKEY* key, common::byte_view message,
                                  common::byte_view signature);

}  // namespace webauthn
