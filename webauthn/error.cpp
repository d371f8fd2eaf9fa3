#include "webauthn/error.hpp"

namespace webauthn {
namespace {

using common::error_info;

constexpr error_info kErrors[] = {
    {"ok", "success"},

    {"input_too_large", "the input is larger than allowed"},
    {"json_malformed", "the input is not well-formed JSON of the right shape"},
    {"json_missing_member", "a required JSON member is missing"},
    {"json_wrong_type", "a JSON member has the wrong type"},
    {"base64url_invalid", "a value is not canonical unpadded base64url"},
    {"credential_type_invalid", "the credential type is not \"public-key\""},
    {"credential_id_mismatch",
     "the credential id differs between id, rawId or authenticator data"},
    {"credential_id_too_long", "the credential id is longer than 1023 bytes"},

    {"client_data_not_utf8", "clientDataJSON is not valid UTF-8"},
    {"client_data_malformed", "clientDataJSON is not a well-formed object"},
    {"client_data_type_mismatch",
     "clientDataJSON has the wrong type for this ceremony"},
    {"challenge_mismatch", "the challenge is not the one that was issued"},
    {"origin_mismatch", "the origin is not one of the configured origins"},
    {"cross_origin_refused", "a cross-origin ceremony is not allowed"},
    {"top_origin_refused", "the top-level origin is not allowed"},

    {"cbor_truncated", "CBOR data ends before a declared length or count"},
    {"cbor_malformed", "CBOR data is not well-formed"},
    {"cbor_too_deep", "CBOR data nests deeper than allowed"},
    {"cbor_indefinite_length", "CBOR data uses an indefinite length"},
    {"cbor_duplicate_key", "a CBOR map has the same key twice"},
    {"cbor_trailing_bytes", "bytes follow the CBOR item"},
    {"cbor_unexpected_type", "a CBOR item has the wrong type"},
    {"cbor_missing_key", "a required key is missing from a CBOR map"},
    {"cbor_reserved_value",
     "CBOR data uses a reserved additional-information value"},

    {"attestation_object_malformed",
     "the attestation object is not a map of exactly fmt, attStmt and "
     "authData"},
    {"attestation_format_unsupported", "the attestation format is not known"},
    {"authenticator_data_truncated",
     "authenticator data ends before a field it declares"},
    {"authenticator_data_trailing_bytes",
     "bytes follow the last field of the authenticator data"},
    {"attested_credential_missing",
     "authenticator data lacks the attested credential data"},
    {"attested_credential_unexpected",
     "authenticator data carries attested credential data where none "
     "belongs"},
    {"extensions_malformed", "the authenticator extensions are not a CBOR map"},

    {"cose_key_malformed", "the COSE key is not a well-formed key map"},
    {"cose_key_algorithm_unsupported", "the COSE key algorithm is not known"},
    {"cose_key_parameters_mismatch",
     "the COSE key type, algorithm and curve do not agree"},
    {"cose_key_bad_length", "a COSE key parameter has the wrong length"},
    {"cose_key_point_not_on_curve", "the COSE key point is not on its curve"},
    {"cose_key_rsa_too_small", "the RSA modulus is shorter than 2048 bits"},
    {"cose_key_rsa_bad_exponent",
     "the RSA public exponent is not odd and greater than one"},
    {"cose_key_private_part", "the COSE key carries private key material"},

    {"rp_id_hash_mismatch", "rpIdHash is not the hash of the RP id"},
    {"user_not_present", "the user-present flag is not set"},
    {"user_verification_missing",
     "user verification was required but not performed"},
    {"backup_state_without_eligibility",
     "the backup-state flag is set without backup eligibility"},
    {"backup_eligibility_changed",
     "backup eligibility differs from the stored credential"},
    {"algorithm_not_allowed", "the credential algorithm was not offered"},
    {"credential_already_registered", "the credential id is already in use"},
    {"credential_not_allowed",
     "the credential is not among the allowed credentials"},
    {"user_handle_missing", "the assertion lacks the user handle"},
    {"user_handle_mismatch",
     "the user handle does not belong to the credential's owner"},
    {"signature_malformed", "the signature is not correctly encoded"},
    {"signature_invalid", "the signature does not verify"},
    {"counter_not_increased",
     "the signature counter did not increase: possibly a cloned "
     "authenticator"},

    {"attestation_statement_malformed",
     "the attestation statement does not have its format's shape"},
    {"attestation_algorithm_mismatch",
     "the attestation algorithm does not match the key"},
    {"attestation_signature_invalid", "the attestation signature is invalid"},
    {"attestation_certificate_malformed",
     "an attestation certificate cannot be parsed"},
    {"attestation_certificate_requirements",
     "the attestation certificate does not meet its format's requirements"},
    {"attestation_aaguid_mismatch",
     "the certificate AAGUID differs from the authenticator data"},
    {"attestation_key_not_p256", "the attestation key is not a P-256 key"},

    {"relying_party_missing", "the options name no relying party"},
    {"challenge_too_short", "the challenge would be shorter than 32 bytes"},
    {"user_handle_too_long", "the user handle is longer than 64 bytes"},
    {"timeout_out_of_range",
     "the timeout is not a positive number of milliseconds below 2^32"},

    {"attestation_certificate_key_mismatch",
     "the attestation certificate key is not the credential key"},
    {"tpm_version_unsupported", "the TPM statement version is not \"2.0\""},
    {"tpm_pub_area_malformed",
     "the TPM pubArea is not a well-formed TPMT_PUBLIC"},
    {"tpm_cert_info_malformed",
     "the TPM certInfo is not a well-formed TPMS_ATTEST"},
    {"tpm_pub_area_key_mismatch",
     "the key in the TPM pubArea is not the credential key"},
    {"tpm_magic_invalid", "the TPM certInfo magic is not TPM_GENERATED_VALUE"},
    {"tpm_type_invalid", "the TPM certInfo type is not TPM_ST_ATTEST_CERTIFY"},
    {"tpm_extra_data_mismatch",
     "the TPM certInfo extraData is not the hash of the signed data"},
    {"tpm_name_mismatch", "the TPM certInfo names another object than pubArea"},
    {"tpm_aik_subject_not_empty",
     "the TPM AIK certificate subject is not empty"},
    {"tpm_aik_san_invalid",
     "the TPM AIK certificate lacks a critical subject alternative name with "
     "the TPM manufacturer, model and version"},
    {"tpm_aik_eku_missing",
     "the TPM AIK certificate lacks the extended key usage 2.23.133.8.3"},
    {"android_key_description_malformed",
     "the Android key description extension is absent or malformed"},
    {"android_key_challenge_mismatch",
     "the Android attestation challenge is not the client data hash"},
    {"android_key_all_applications_present",
     "the Android key is usable by all applications"},
    {"android_key_origin_not_generated",
     "the Android key was not generated in the keystore"},
    {"android_key_purpose_not_sign",
     "the Android key's purposes do not include signing"},
    {"safetynet_response_malformed",
     "the SafetyNet response is not a well-formed JWS of the expected shape"},
    {"safetynet_hostname_mismatch",
     "the SafetyNet certificate is not issued to attest.android.com"},
    {"safetynet_nonce_mismatch",
     "the SafetyNet nonce is not the hash of the signed data"},
    {"safetynet_cts_profile_mismatch",
     "the SafetyNet response says the device fails the CTS profile"},
    {"safetynet_timestamp_in_future",
     "the SafetyNet response is dated in the future"},
    {"safetynet_timestamp_too_old", "the SafetyNet response is too old"},
    {"apple_nonce_extension_malformed",
     "the Apple nonce extension is absent or malformed"},
    {"apple_nonce_mismatch",
     "the Apple nonce is not the hash of the signed data"},

    {"crl_malformed", "a certificate revocation list cannot be parsed"},
    {"attestation_certificate_revoked",
     "a certificate of the attestation path is revoked"},
    {"attestation_sha1_refused",
     "the attestation uses SHA-1, which the policy refuses for its format"},
    {"attestation_not_trusted",
     "the policy requires attestation that chains to a trusted root"},
    {"metadata_malformed",
     "the metadata is not a well-formed BLOB, entry or statement"},
    {"metadata_algorithm_unsupported",
     "the metadata BLOB is signed with an algorithm other than RS256 or "
     "ES256"},
    {"metadata_signature_invalid", "the metadata BLOB signature is invalid"},
    {"metadata_chain_untrusted",
     "the metadata BLOB signer does not chain to a configured root"},
    {"metadata_not_newer",
     "the metadata BLOB number is not higher than the one loaded"},
    {"authenticator_status_refused",
     "the metadata reports the authenticator model revoked or compromised"},
    {"aaguid_not_allowed",
     "the authenticator model is not attested as one the policy allows"},
    {"aaguid_denied", "the authenticator model is on the deny list"},
    {"synced_credential_refused",
     "the policy refuses backup-eligible (synced) credentials"},
};
static_assert(std::size(kErrors) == static_cast<std::size_t>(errc::count_));

}  // namespace

std::string_view describe(errc e) noexcept {
  return common::lookup_error(kErrors, static_cast<int>(e)).text;
}

std::string_view name_of(errc e) noexcept {
  return common::lookup_error(kErrors, static_cast<int>(e)).name;
}

const boost::system::error_category& webauthn_category() noexcept {
  static const common::enum_category<errc> category("webauthn");
  return category;
}

}  // namespace webauthn
