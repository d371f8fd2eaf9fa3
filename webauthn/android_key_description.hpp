// The Android key attestation extension (OID 1.3.6.1.4.1.11129.2.1.17):
// the KeyDescription that Android's Keystore writes into the leaf
// certificate of an "android-key" statement (WebAuthn Level 3 section
// 8.4), and the rules section 8.4 applies to its authorization lists.
// Internal to webauthn/: the android-key verifier and its fuzz harness
// include it.
//
//   KeyDescription ::= SEQUENCE {
//     attestationVersion INTEGER, attestationSecurityLevel ENUMERATED,
//     keyMintVersion INTEGER, keyMintSecurityLevel ENUMERATED,
//     attestationChallenge OCTET STRING, uniqueId OCTET STRING,
//     softwareEnforced AuthorizationList, hardwareEnforced AuthorizationList }
//
// An AuthorizationList is a SEQUENCE of optional context-tagged EXPLICIT
// fields in increasing tag order; the reader keeps purpose [1] (SET OF
// INTEGER), allApplications [600] (NULL) and origin [702] (INTEGER), and
// checks that every other field is one well-formed element.
//
// Thread-safe; pure functions. Nothing here throws.
#pragma once

#include "common/bytes.hpp"
#include "webauthn/error.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace webauthn {

inline constexpr const char* kAndroidKeyDescriptionOid =
    "1.3.6.1.4.1.11129.2.1.17";

// Keymaster / KeyMint values that section 8.4 names.
inline constexpr std::int64_t kKmOriginGenerated = 0;
inline constexpr std::int64_t kKmPurposeSign = 2;

struct android_authorization_list {
  std::vector<std::int64_t> purposes;
  std::optional<std::int64_t> origin;
  bool all_applications = false;
};

struct android_key_description {
  std::int64_t attestation_version = 0;
  std::int64_t attestation_security_level = 0;
  std::int64_t keymint_version = 0;
  std::int64_t keymint_security_level = 0;
  common::bytes attestation_challenge;
  android_authorization_list software_enforced;
  android_authorization_list tee_enforced;
};

// Decodes the extension value. Fails with android_key_description_malformed
// when it is not exactly a KeyDescription in DER.
result<android_key_description> parse_android_key_description(
    common::byte_view der);

// Which authorization lists vouch for origin and purpose. Section 8.4 uses
// the union of both "unless the RP wants to accept only keys from a
// trusted execution environment"; Latchkey's verifier takes the union, so
// keys that older devices generate in software are accepted, and the
// trust step and policy decide what the attestation root is worth.
enum class android_key_scope { tee_and_software, tee_only };

// Section 8.4's list rules: allApplications absent from both lists
// (android_key_all_applications_present), then origin generated
// (android_key_origin_not_generated) and a purpose of sign
// (android_key_purpose_not_sign) in the lists `scope` names.
result<void> check_android_authorizations(
    const android_key_description& description, android_key_scope scope);

}  // namespace webauthn
