// The relying party's registration policy: which credentials it accepts
// beyond what WebAuthn itself requires. verify_registration applies it as
// its last step when registration_expectation::policy is set; a caller
// that wants the ceremony's facts first may call
// check_registration_policy on the new credential itself.
//
// Only signed facts decide: the credential's algorithm, the UV and BE
// flags, the attestation and its certificate path. The client's unsigned
// hints (authenticatorAttachment, transports, credProps) never do.
//
// An AAGUID is only a claim. It counts for the allow list only when the
// attestation chains to the roots that the metadata lists for that very
// AAGUID: none or self attestation, or a path to any other root (another
// vendor's included, even a configured one), is refused by an allow list.
// A deny list and refusing status reports apply to the claim as it is:
// claiming a denied or revoked model gains nothing.
//
// Thread-safe: pure; the policy, metadata and trust store are only read.
#pragma once

#include "common/clock.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/ceremony.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/metadata.hpp"
#include "webauthn/registration.hpp"
#include "webauthn/trust.hpp"

#include <vector>

namespace webauthn {

struct registration_policy {
  // Algorithms accepted for the credential key; empty accepts every one
  // that the ceremony accepted.
  std::vector<cose_algorithm> algorithms;
  user_verification uv = user_verification::preferred;
  // Require attestation that chains to a configured root or to the
  // metadata roots of its model; none and self attestation are refused.
  bool require_trusted_attestation = false;
  // Models accepted; empty accepts any (see the header comment).
  std::vector<aaguid> allowed_models;
  // Models refused, whether or not attested.
  std::vector<aaguid> denied_models;
  // Accept backup-eligible (synced) credentials, such as passkeys kept in
  // a platform's keychain.
  bool allow_synced = true;
};

// Checks `credential` (as verify_registration describes it) against
// `policy`, at time `at` for the metadata roots' certificate validity.
// `metadata` and `trust` may be null: no model is then known, and the
// default trust options apply. Returns what the metadata says about the
// model, or fails with, in this order:
// - algorithm_not_allowed, user_verification_missing,
//   synced_credential_refused,
// - authenticator_status_refused: the model's metadata carries a REVOKED
//   or compromise status report,
// - aaguid_denied, aaguid_not_allowed,
// - attestation_not_trusted: trusted attestation is required and the
//   statement chains neither to a configured root nor to its model's
//   metadata roots.
result<model_info> check_registration_policy(const new_credential& credential,
                                             const registration_policy& policy,
                                             const metadata_store* metadata,
                                             const trust_store* trust,
                                             common::time_point at);

}  // namespace webauthn
