// Why a WebAuthn input was refused: one value per rule, named after the
// check that failed. The ceremony steps of WebAuthn Level 3 sections 7.1
// and 7.2 each have their own value, and so does every parser refusal.
//
// Thread-safe: the category is an immutable singleton.
#pragma once

#include "common/error.hpp"

namespace webauthn {

using common::result;

enum class errc {
  ok = 0,

  // Sizes and encodings of the credential JSON.
  input_too_large,
  json_malformed,
  json_missing_member,
  json_wrong_type,
  base64url_invalid,
  credential_type_invalid,
  credential_id_mismatch,
  credential_id_too_long,

  // clientDataJSON.
  client_data_not_utf8,
  client_data_malformed,
  client_data_type_mismatch,
  challenge_mismatch,
  origin_mismatch,
  cross_origin_refused,
  top_origin_refused,

  // CBOR, before and after libcbor sees it.
  cbor_truncated,
  cbor_malformed,
  cbor_too_deep,
  cbor_indefinite_length,
  cbor_duplicate_key,
  cbor_trailing_bytes,
  cbor_unexpected_type,
  cbor_missing_key,
  cbor_reserved_value,

  // The attestation object and authenticator data.
  attestation_object_malformed,
  attestation_format_unsupported,
  authenticator_data_truncated,
  authenticator_data_trailing_bytes,
  attested_credential_missing,
  attested_credential_unexpected,
  extensions_malformed,

  // COSE public keys.
  cose_key_malformed,
  cose_key_algorithm_unsupported,
  cose_key_parameters_mismatch,
  cose_key_bad_length,
  cose_key_point_not_on_curve,
  cose_key_rsa_too_small,
  cose_key_rsa_bad_exponent,
  cose_key_private_part,

  // Ceremony steps.
  rp_id_hash_mismatch,
  user_not_present,
  user_verification_missing,
  backup_state_without_eligibility,
  backup_eligibility_changed,
  algorithm_not_allowed,
  credential_already_registered,
  credential_not_allowed,
  user_handle_missing,
  user_handle_mismatch,
  signature_malformed,
  signature_invalid,
  counter_not_increased,

  // Attestation statements.
  attestation_statement_malformed,
  attestation_algorithm_mismatch,
  attestation_signature_invalid,
  attestation_certificate_malformed,
  attestation_certificate_requirements,
  attestation_aaguid_mismatch,
  attestation_key_not_p256,

  // Building ceremony options.
  relying_party_missing,
  challenge_too_short,
  user_handle_too_long,
  timeout_out_of_range,

  // Attestation formats tpm, android-key, android-safetynet and apple.
  attestation_certificate_key_mismatch,
  tpm_version_unsupported,
  tpm_pub_area_malformed,
  tpm_cert_info_malformed,
  tpm_pub_area_key_mismatch,
  tpm_magic_invalid,
  tpm_type_invalid,
  tpm_extra_data_mismatch,
  tpm_name_mismatch,
  tpm_aik_subject_not_empty,
  tpm_aik_san_invalid,
  tpm_aik_eku_missing,
  android_key_description_malformed,
  android_key_challenge_mismatch,
  android_key_all_applications_present,
  android_key_origin_not_generated,
  android_key_purpose_not_sign,
  safetynet_response_malformed,
  safetynet_hostname_mismatch,
  safetynet_nonce_mismatch,
  safetynet_cts_profile_mismatch,
  safetynet_timestamp_in_future,
  safetynet_timestamp_too_old,
  apple_nonce_extension_malformed,
  apple_nonce_mismatch,

  // Trust, metadata and policy.
  crl_malformed,
  attestation_certificate_revoked,
  attestation_sha1_refused,
  attestation_not_trusted,
  metadata_malformed,
  metadata_algorithm_unsupported,
  metadata_signature_invalid,
  metadata_chain_untrusted,
  metadata_not_newer,
  authenticator_status_refused,
  aaguid_not_allowed,
  aaguid_denied,
  synced_credential_refused,

  count_  // not an error: the number of values
};

std::string_view describe(errc e) noexcept;
std::string_view name_of(errc e) noexcept;
const boost::system::error_category& webauthn_category() noexcept;

inline common::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), webauthn_category()};
}

}  // namespace webauthn

template <>
struct boost::system::is_error_code_enum<webauthn::errc> : std::true_type {};
