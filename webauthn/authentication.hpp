// Authentication (WebAuthn Level 3 section 7.2): decides whether an
// assertion proves possession of a stored credential.
//
// Thread-safe: pure; the caller looks up the credential and writes the
// outcome back only when verification succeeded.
#pragma once

#include "common/bytes.hpp"
#include "webauthn/ceremony.hpp"
#include "webauthn/credential_json.hpp"

#include <optional>
#include <vector>

namespace webauthn {

// The stored credential the assertion names, as the caller found it by
// the response's id.
struct stored_credential {
  common::bytes id;
  common::bytes public_key;  // COSE_Key
  std::uint32_t sign_count = 0;
  bool backup_eligible = false;
  bool backup_state = false;
  common::bytes user_handle;  // of the user who owns the credential
};

struct authentication_expectation {
  const relying_party* rp = nullptr;  // required
  common::bytes challenge;
  user_verification uv = user_verification::preferred;
  // The allowCredentials that were sent; empty for a discoverable
  // (usernameless) sign-in.
  std::vector<common::bytes> allowed_credentials;
  // The user the sign-in was started for, when it was: the credential must
  // be theirs. Absent for usernameless sign-in, where the response must
  // carry a user handle instead.
  std::optional<common::bytes> user_handle;
};

struct authentication_result {
  std::uint32_t sign_count = 0;
  bool user_verified = false;
  bool backup_state = false;
  // BS differs from what was stored: the caller records the new state.
  bool backup_state_changed = false;
};

// Verifies every step of section 7.2 in order. A signature counter that did
// not increase fails with counter_not_increased: the caller must mark the
// credential as possibly cloned.
result<authentication_result> verify_authentication(
    const authentication_response& response, const stored_credential& stored,
    const authentication_expectation& expect);

}  // namespace webauthn
