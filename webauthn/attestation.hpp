// Attestation statements: one verifier per format, all with the same
// signature, chosen by the statement's `fmt`.
//
// A verifier checks that the statement is well formed and that its
// signature binds the authenticator data and the client data hash (WebAuthn
// Level 3 section 7.1, step "verify attStmt"), and says what kind of
// attestation it is. It does not decide whether to trust the certificates:
// that is the trust step's job (webauthn/trust.hpp), which gets the path
// the verifier returns.
//
// Thread-safe: verifiers are pure functions.
#pragma once

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/error.hpp"

#include <array>
#include <string_view>
#include <vector>

namespace webauthn {

// WebAuthn Level 3 section 6.5.4.
enum class attestation_type { none, self, basic, attca, anonca };

std::string_view to_string(attestation_type type) noexcept;

// Everything a format verifier may look at.
struct attestation_input {
  const cbor_item_t* statement = nullptr;  // attStmt, a CBOR map
  const authenticator_data* auth_data = nullptr;
  const cose_key* credential_key = nullptr;  // from auth_data
  std::array<std::uint8_t, 32> client_data_hash{};
  common::time_point now{};  // the verification time (SafetyNet freshness)
};

struct attestation_result {
  attestation_type type = attestation_type::none;
  // DER certificates, leaf first, as the statement carried them; empty
  // for none and self attestation.
  std::vector<common::bytes> certificates;
};

using attestation_verifier =
    result<attestation_result> (*)(const attestation_input& input);

// The verifier for `fmt`, or attestation_format_unsupported.
result<attestation_verifier> find_attestation_verifier(std::string_view fmt);

// One function per format, each in its own file (attestation_<fmt>.cpp).
// Each fails with attestation_statement_malformed when the statement does
// not have the format's shape (a member missing, unknown or of the wrong
// type), with attested_credential_missing when `input` lacks the
// authenticator data, its attested credential or the credential key, and
// with the format's own rules otherwise:
// - none: nothing more; the statement must be an empty map.
// - packed: attestation_algorithm_mismatch when alg is not the credential
//   key's (self) or does not fit the leaf's key (x5c);
//   attestation_signature_invalid; attestation_certificate_malformed when
//   an x5c element is not one DER certificate;
//   attestation_certificate_requirements when the leaf fails section
//   8.2.1 (version 3, subject C/O/OU/CN, basicConstraints CA false, AAGUID
//   extension not critical and of the right shape);
//   attestation_aaguid_mismatch when that extension names another AAGUID.
// - fido-u2f: attestation_key_not_p256 when the certificate key or the
//   credential key is not on P-256 (the credential key must be ES256);
//   attestation_certificate_malformed; attestation_signature_invalid.
// - tpm (type attca): tpm_version_unsupported when ver is not "2.0";
//   tpm_pub_area_malformed, tpm_cert_info_malformed, tpm_magic_invalid and
//   tpm_type_invalid from the structure parsers (tpm_structures.hpp);
//   tpm_pub_area_key_mismatch; attestation_algorithm_mismatch when alg
//   has no hash a TPM uses or does not fit the AIK key (RS1 is accepted
//   here only); tpm_extra_data_mismatch; tpm_name_mismatch;
//   attestation_signature_invalid; for the AIK certificate (section
//   8.3.1) tpm_aik_subject_not_empty, tpm_aik_san_invalid,
//   tpm_aik_eku_missing, attestation_certificate_requirements (version 3,
//   CA false, AAGUID extension shape) and attestation_aaguid_mismatch.
// - android-key (type basic): attestation_algorithm_mismatch,
//   attestation_signature_invalid, attestation_certificate_key_mismatch
//   when the leaf's key is not the credential key, then the key
//   description (android_key_description.hpp): ..._description_malformed,
//   android_key_challenge_mismatch, android_key_all_applications_present,
//   android_key_origin_not_generated, android_key_purpose_not_sign, with
//   origin and purpose taken from the union of both authorization lists.
// - android-safetynet (type basic): safetynet_response_malformed,
//   attestation_certificate_malformed, attestation_algorithm_mismatch,
//   attestation_signature_invalid (the JWS), safetynet_hostname_mismatch,
//   safetynet_nonce_mismatch, safetynet_cts_profile_mismatch, and
//   safetynet_timestamp_in_future or _too_old against `now` (at most one
//   minute old, at most one minute ahead).
// - apple (type anonca): apple_nonce_extension_malformed,
//   apple_nonce_mismatch, attestation_certificate_key_mismatch.
result<attestation_result> verify_none_attestation(
    const attestation_input& input);
result<attestation_result> verify_packed_attestation(
    const attestation_input& input);
result<attestation_result> verify_fido_u2f_attestation(
    const attestation_input& input);
result<attestation_result> verify_tpm_attestation(
    const attestation_input& input);
result<attestation_result> verify_android_key_attestation(
    const attestation_input& input);
result<attestation_result> verify_android_safetynet_attestation(
    const attestation_input& input);
result<attestation_result> verify_apple_attestation(
    const attestation_input& input);

}  // namespace webauthn
