// A second opinion from libfido2 (Yubico's C library), to cross-check
// Latchkey's verdicts on the same bytes. libfido2 checks the rpIdHash, UP
// (and UV when asked), the extensions it was told to expect (none here),
// and the attestation or assertion signature. It does not look at
// clientDataJSON, certificate contents or chains, and it cannot judge
// every input, so each answer says whether libfido2 could judge at all.
//
// What libfido2 1.12 cannot judge: formats other than packed, fido-u2f
// and tpm ("none" has no signature); credential algorithms other than
// ES256, ES384, RS256 with a 2048-bit modulus, and EdDSA over Ed25519 (so
// ES512, PS256 and Ed448 are out); authenticator data with extensions
// (libfido2 wants the request that asked for them). Packed self
// attestation is checked with the credential key's own algorithm: a wrong
// attStmt alg goes unnoticed by libfido2.
//
// Thread-safe: every call builds and frees its own libfido2 objects.
// Never throws on malformed input; malformed input is refused.
#pragma once

#include <openssl/evp.h>

#include <string_view>

#include "common/bytes.hpp"

namespace test_support {

struct registration;
struct assertion;

enum class fido2_verdict { accepted, refused, unsupported };

std::string_view name_of(fido2_verdict verdict) noexcept;

// Judges an attestation object with fido_cred_verify (x5c present) or
// fido_cred_verify_self (no x5c).
fido2_verdict fido2_judge_registration(std::string_view rp_id,
                                       std::string_view client_data_json,
                                       common::byte_view attestation_object,
                                       bool require_uv = false);
fido2_verdict fido2_judge_registration(const registration& reg,
                                       bool require_uv = false);

// Judges an assertion with fido_assert_verify against a public key given
// as a COSE_Key or as an EVP_PKEY with its COSE algorithm.
fido2_verdict fido2_judge_assertion(std::string_view rp_id,
                                    std::string_view client_data_json,
                                    common::byte_view authenticator_data,
                                    common::byte_view signature,
                                    common::byte_view cose_key,
                                    bool require_uv = false);
fido2_verdict fido2_judge_assertion(std::string_view rp_id,
                                    std::string_view client_data_json,
                                    common::byte_view authenticator_data,
                                    common::byte_view signature,
                                    const EVP_PKEY* key, int cose_alg,
                                    bool require_uv = false);
fido2_verdict fido2_judge_assertion(const assertion& a,
                                    bool require_uv = false);

// True only when libfido2 judged and accepted.
bool fido2_accepts_registration(const registration& reg,
                                bool require_uv = false);
bool fido2_accepts_assertion(const assertion& a, bool require_uv = false);

}  // namespace test_support
