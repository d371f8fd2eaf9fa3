#include "webauthn/error.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <utility>

using webauthn::errc;

TEST_CASE("every webauthn error has the name of its enumerator") {
  // Written out so that a table row out of enum order fails here.
  const std::pair<errc, std::string_view> expected[] = {
      {errc::ok, "ok"},
      {errc::input_too_large, "input_too_large"},
      {errc::json_malformed, "json_malformed"},
      {errc::json_missing_member, "json_missing_member"},
      {errc::json_wrong_type, "json_wrong_type"},
      {errc::base64url_invalid, "base64url_invalid"},
      {errc::credential_type_invalid, "credential_type_invalid"},
      {errc::credential_id_mismatch, "credential_id_mismatch"},
      {errc::credential_id_too_long, "credential_id_too_long"},
      {errc::client_data_not_utf8, "client_data_not_utf8"},
      {errc::client_data_malformed, "client_data_malformed"},
      {errc::client_data_type_mismatch, "client_data_type_mismatch"},
      {errc::challenge_mismatch, "challenge_mismatch"},
      {errc::origin_mismatch, "origin_mismatch"},
      {errc::cross_origin_refused, "cross_origin_refused"},
      {errc::top_origin_refused, "top_origin_refused"},
      {errc::cbor_truncated, "cbor_truncated"},
      {errc::cbor_malformed, "cbor_malformed"},
      {errc::cbor_too_deep, "cbor_too_deep"},
      {errc::cbor_indefinite_length, "cbor_indefinite_length"},
      {errc::cbor_duplicate_key, "cbor_duplicate_key"},
      {errc::cbor_trailing_bytes, "cbor_trailing_bytes"},
      {errc::cbor_unexpected_type, "cbor_unexpected_type"},
      {errc::cbor_missing_key, "cbor_missing_key"},
      {errc::cbor_reserved_value, "cbor_reserved_value"},
      {errc::attestation_object_malformed, "attestation_object_malformed"},
      {errc::attestation_format_unsupported, "attestation_format_unsupported"},
      {errc::authenticator_data_truncated, "authenticator_data_truncated"},
      {errc::authenticator_data_trailing_bytes,
       "authenticator_data_trailing_bytes"},
      {errc::attested_credential_missing, "attested_credential_missing"},
      {errc::attested_credential_unexpected, "attested_credential_unexpected"},
      {errc::extensions_malformed, "extensions_malformed"},
      {errc::cose_key_malformed, "cose_key_malformed"},
      {errc::cose_key_algorithm_unsupported, "cose_key_algorithm_unsupported"},
      {errc::cose_key_parameters_mismatch, "cose_key_parameters_mismatch"},
      {errc::cose_key_bad_length, "cose_key_bad_length"},
      {errc::cose_key_point_not_on_curve, "cose_key_point_not_on_curve"},
      {errc::cose_key_rsa_too_small, "cose_key_rsa_too_small"},
      {errc::cose_key_rsa_bad_exponent, "cose_key_rsa_bad_exponent"},
      {errc::cose_key_private_part, "cose_key_private_part"},
      {errc::rp_id_hash_mismatch, "rp_id_hash_mismatch"},
      {errc::user_not_present, "user_not_present"},
      {errc::user_verification_missing, "user_verification_missing"},
      {errc::backup_state_without_eligibility,
       "backup_state_without_eligibility"},
      {errc::backup_eligibility_changed, "backup_eligibility_changed"},
      {errc::algorithm_not_allowed, "algorithm_not_allowed"},
      {errc::credential_already_registered, "credential_already_registered"},
      {errc::credential_not_allowed, "credential_not_allowed"},
      {errc::user_handle_missing, "user_handle_missing"},
      {errc::user_handle_mismatch, "user_handle_mismatch"},
      {errc::signature_malformed, "signature_malformed"},
      {errc::signature_invalid, "signature_invalid"},
      {errc::counter_not_increased, "counter_not_increased"},
      {errc::attestation_statement_malformed,
       "attestation_statement_malformed"},
      {errc::attestation_algorithm_mismatch, "attestation_algorithm_mismatch"},
      {errc::attestation_signature_invalid, "attestation_signature_invalid"},
      {errc::attestation_certificate_malformed,
       "attestation_certificate_malformed"},
      {errc::attestation_certificate_requirements,
       "attestation_certificate_requirements"},
      {errc::attestation_aaguid_mismatch, "attestation_aaguid_mismatch"},
      {errc::attestation_key_not_p256, "attestation_key_not_p256"},
      {errc::relying_party_missing, "relying_party_missing"},
      {errc::challenge_too_short, "challenge_too_short"},
      {errc::user_handle_too_long, "user_handle_too_long"},
      {errc::timeout_out_of_range, "timeout_out_of_range"},
      {errc::attestation_certificate_key_mismatch,
       "attestation_certificate_key_mismatch"},
      {errc::tpm_version_unsupported, "tpm_version_unsupported"},
      {errc::tpm_pub_area_malformed, "tpm_pub_area_malformed"},
      {errc::tpm_cert_info_malformed, "tpm_cert_info_malformed"},
      {errc::tpm_pub_area_key_mismatch, "tpm_pub_area_key_mismatch"},
      {errc::tpm_magic_invalid, "tpm_magic_invalid"},
      {errc::tpm_type_invalid, "tpm_type_invalid"},
      {errc::tpm_extra_data_mismatch, "tpm_extra_data_mismatch"},
      {errc::tpm_name_mismatch, "tpm_name_mismatch"},
      {errc::tpm_aik_subject_not_empty, "tpm_aik_subject_not_empty"},
      {errc::tpm_aik_san_invalid, "tpm_aik_san_invalid"},
      {errc::tpm_aik_eku_missing, "tpm_aik_eku_missing"},
      {errc::android_key_description_malformed,
       "android_key_description_malformed"},
      {errc::android_key_challenge_mismatch, "android_key_challenge_mismatch"},
      {errc::android_key_all_applications_present,
       "android_key_all_applications_present"},
      {errc::android_key_origin_not_generated,
       "android_key_origin_not_generated"},
      {errc::android_key_purpose_not_sign, "android_key_purpose_not_sign"},
      {errc::safetynet_response_malformed, "safetynet_response_malformed"},
      {errc::safetynet_hostname_mismatch, "safetynet_hostname_mismatch"},
      {errc::safetynet_nonce_mismatch, "safetynet_nonce_mismatch"},
      {errc::safetynet_cts_profile_mismatch, "safetynet_cts_profile_mismatch"},
      {errc::safetynet_timestamp_in_future, "safetynet_timestamp_in_future"},
      {errc::safetynet_timestamp_too_old, "safetynet_timestamp_too_old"},
      {errc::apple_nonce_extension_malformed,
       "apple_nonce_extension_malformed"},
      {errc::apple_nonce_mismatch, "apple_nonce_mismatch"},
      {errc::crl_malformed, "crl_malformed"},
      {errc::attestation_certificate_revoked,
       "attestation_certificate_revoked"},
      {errc::attestation_sha1_refused, "attestation_sha1_refused"},
      {errc::attestation_not_trusted, "attestation_not_trusted"},
      {errc::metadata_malformed, "metadata_malformed"},
      {errc::metadata_algorithm_unsupported, "metadata_algorithm_unsupported"},
      {errc::metadata_signature_invalid, "metadata_signature_invalid"},
      {errc::metadata_chain_untrusted, "metadata_chain_untrusted"},
      {errc::metadata_not_newer, "metadata_not_newer"},
      {errc::authenticator_status_refused, "authenticator_status_refused"},
      {errc::aaguid_not_allowed, "aaguid_not_allowed"},
      {errc::aaguid_denied, "aaguid_denied"},
      {errc::synced_credential_refused, "synced_credential_refused"},
  };
  CHECK(std::size(expected) == static_cast<std::size_t>(errc::count_));
  for (const auto& [value, name] : expected) {
    CAPTURE(name);
    CHECK(webauthn::name_of(value) == name);
    CHECK_FALSE(webauthn::describe(value).empty());
  }
}

TEST_CASE("webauthn error names are unique") {
  std::set<std::string_view> names;
  for (int i = 0; i < static_cast<int>(errc::count_); ++i)
    names.insert(webauthn::name_of(static_cast<errc>(i)));
  CHECK(names.size() == static_cast<std::size_t>(errc::count_));
}

TEST_CASE("a webauthn error converts to a named error_code") {
  const common::error_code ec = errc::cbor_duplicate_key;
  CHECK(ec.category().name() == std::string_view("webauthn"));
  CHECK(common::error_name(ec) == "cbor_duplicate_key");
  CHECK(ec.message().find("twice") != std::string::npos);
  CHECK(webauthn::name_of(static_cast<errc>(9999)) == "unknown");
}
