// Pieces that several attestation formats share: reading the members of a
// statement, parsing its x5c certificates, and checking a signature made
// by an attestation key. Internal to webauthn/: the format verifiers
// (attestation_<fmt>.cpp) include it, nothing outside does.
//
// Thread-safe; pure functions. Nothing here throws.
#pragma once

#include "common/bytes.hpp"
#include "common/openssl.hpp"
#include "webauthn/attestation.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/error.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace webauthn {

// Fails with attested_credential_missing when `input` lacks the
// authenticator data, its attested credential data or the credential key:
// every format needs them, and a caller may have left them out.
result<void> require_credential(const attestation_input& input);

// authenticatorData || clientDataHash, what packed and most other formats
// sign.
common::bytes signed_data(const attestation_input& input);

// Sets values[i] to the member named names[i], or to null when the
// statement lacks it. Fails with attestation_statement_malformed when the
// statement is not a map, or has a key that is not text or not in `names`.
// The CBOR pre-scan already refused duplicate keys.
result<void> read_statement_members(const cbor_item_t* statement,
                                    std::span<const std::string_view> names,
                                    std::span<const cbor_item_t*> values);

// A required integer or byte string member; attestation_statement_malformed
// when it is absent (null) or of another CBOR type.
result<std::int64_t> statement_int(const cbor_item_t* member);
result<byte_view> statement_bytes(const cbor_item_t* member);

// Exactly one DER certificate, nothing after it; null otherwise.
common::ossl::x509 parse_certificate_der(common::byte_view der);

// The x5c certificates, leaf first, parsed and as carried.
struct certificate_chain {
  std::vector<common::ossl::x509> parsed;
  std::vector<common::bytes> der;
};

// Parses x5c. Fails with attestation_statement_malformed when it is absent,
// not an array, empty, or holds something other than byte strings, and
// with attestation_certificate_malformed when an element is not exactly
// one DER certificate with a public key OpenSSL can use.
result<certificate_chain> parse_x5c(const cbor_item_t* x5c);

// Whether `key` is of the type and curve that `alg` names: ES256 on P-256,
// ES384 on P-384, ES512 on P-521, EdDSA on Ed25519 or Ed448, RS256 and
// PS256 on RSA.
bool key_matches_algorithm(cose_algorithm alg, EVP_PKEY* key) noexcept;

// Whether `key` is an EC key on P-256.
bool is_p256_key(EVP_PKEY* key) noexcept;

// verify_signature for an attestation signature: fails with
// attestation_algorithm_mismatch when the key does not fit `alg`, and with
// attestation_signature_invalid when the signature is malformed or does
// not verify, so that a caller can tell it from an assertion signature.
result<void> verify_attestation_signature(cose_algorithm alg, EVP_PKEY* key,
                                          common::byte_view message,
                                          common::byte_view signature);

// Whether two public keys are the same key (type, parameters and value);
// false when either is null.
bool same_public_key(EVP_PKEY* a, EVP_PKEY* b) noexcept;

// The value (the extnValue content) of the extension `oid` (dotted text),
// when `cert` carries it exactly once; nullopt when absent or repeated.
std::optional<common::byte_view> unique_extension_value(X509* cert,
                                                        const char* oid);

// The id-fido-gen-ce-aaguid extension (section 8.2.1, also used by tpm) is
// optional; when present it must be non-critical and appear once
// (attestation_certificate_requirements otherwise), and name `expected`
// (attestation_aaguid_mismatch otherwise).
result<void> check_aaguid_extension(X509* cert, const aaguid& expected);

}  // namespace webauthn
