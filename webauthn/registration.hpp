// Registration (WebAuthn Level 3 section 7.1): decides whether a new
// credential is genuine and may be stored.
//
// Thread-safe: pure; the caller supplies time, policy and the lookup of
// already registered credential ids.
#pragma once

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "webauthn/attestation.hpp"
#include "webauthn/ceremony.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/credential_json.hpp"
#include "webauthn/metadata.hpp"
#include "webauthn/trust.hpp"

#include <functional>
#include <optional>
#include <vector>

namespace webauthn {

struct registration_policy;  // webauthn/policy.hpp

struct registration_expectation {
  const relying_party* rp = nullptr;  // required
  common::bytes challenge;            // as issued in the options
  user_verification uv = user_verification::preferred;
  // The pubKeyCredParams that were offered; the credential's algorithm
  // must be one of them.
  std::vector<cose_algorithm> algorithms;
  // True when a credential with this id is already registered (to anyone).
  std::function<bool(common::byte_view credential_id)> is_registered;
  // Anchors for the trust step; null reports every statement untrusted.
  // Its options also set the SHA-1 policy (the defaults when null).
  const trust_store* trust = nullptr;
  common::time_point now;  // for certificate validity
  // Applied as the last step when set (see webauthn/policy.hpp), with the
  // metadata, which may be null.
  const registration_policy* policy = nullptr;
  const metadata_store* metadata = nullptr;
};

// What to store for a new credential.
struct new_credential {
  common::bytes id;
  common::bytes public_key;  // the COSE_Key, as the authenticator sent it
  cose_algorithm algorithm = cose_algorithm::es256;
  std::uint32_t sign_count = 0;
  aaguid authenticator_model{};
  std::string format;
  attestation_type type = attestation_type::none;
  attestation_trust trust;
  model_info model;  // from the policy step, when there is one
  std::vector<common::bytes> certificates;  // leaf first
  bool user_verified = false;
  bool backup_eligible = false;
  bool backup_state = false;
  // Unsigned hints from the client, for display only.
  std::vector<std::string> transports;
  std::optional<std::string> authenticator_attachment;
  std::optional<bool> resident_key;  // credProps.rk
  common::bytes attestation_object;  // kept to check again later
};

// Verifies every step of section 7.1 in order; each failure has its own
// errc value (see the step comments in registration.cpp). The trust step
// refuses with attestation_sha1_refused or attestation_certificate_revoked
// (see webauthn/trust.hpp); the policy step with the errors of
// check_registration_policy.
result<new_credential> verify_registration(
    const registration_response& response,
    const registration_expectation& expect);

}  // namespace webauthn
