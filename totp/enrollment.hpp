// The second-factor states of one account, as a value, and the transitions
// the server calls: enroll, confirm, replace and disable an authenticator
// app; sign in with a TOTP code or a recovery code; replace the recovery
// codes. Each function returns the new state or a named refusal and never
// changes its argument, so the server can store the result in one
// transaction (compare-and-set on what it read) and two racing requests
// cannot both succeed.
//
// The rules:
// - A new TOTP secret is pending until a valid code confirms it, within
//   `pending_lifetime`. The confirming code's time step becomes the last
//   accepted step, so the same code cannot then sign in.
// - While a replacement is pending, the old secret keeps working for sign
//   in; confirmation swaps it out. A pending secret never signs in.
// - Adding or replacing an authenticator app when the account already has
//   a second factor, disabling TOTP and replacing recovery codes all need
//   a second factor verified by this session within `step_up_max_age`.
// - A recovery code signs in once; a new set replaces the old one whole.
//
// Thread-safe: pure functions over values.
#pragma once

#include "common/clock.hpp"
#include "totp/otp.hpp"
#include "totp/recovery.hpp"

#include <chrono>
#include <optional>

namespace totp {

struct enrollment_policy {
  std::chrono::seconds step_up_max_age{5 * 60};
  std::chrono::seconds pending_lifetime{10 * 60};
};

// What the server knows about the request making a change.
struct session_facts {
  common::time_point now;
  // When this session last passed a second factor, if it did.
  std::optional<common::time_point> second_factor_at;
  // The account has a second factor other than TOTP and recovery codes
  // (a security key or passkey).
  bool has_other_second_factor = false;
};

struct active_totp {
  secret key;
  params otp;
  std::int64_t last_accepted_step = 0;
  common::time_point confirmed_at;
};

struct pending_totp {
  secret key;
  params otp;
  common::time_point started_at;
};

struct factor_state {
  std::optional<active_totp> totp;
  std::optional<pending_totp> pending;
  recovery_set recovery;
};

// Starts enrolling (or replacing) an authenticator app with `key`; a
// previous pending secret is dropped. Fails with the errors of
// check_params, secret_too_short, secret_too_long, or
// second_factor_required when the account already has a second factor and
// the session has not verified one recently.
result<factor_state> begin_totp_enrollment(
    const factor_state& state, secret key, const params& p,
    const session_facts& session, const enrollment_policy& policy = {});

// Confirms the pending secret with a code from the app. Fails with
// enrollment_not_pending, enrollment_expired, or the errors of
// accept_code.
result<factor_state> confirm_totp_enrollment(
    const factor_state& state, std::string_view code, common::time_point now,
    const enrollment_policy& policy = {});

// Drops a pending secret, if any; the active one is untouched.
factor_state cancel_totp_enrollment(const factor_state& state);

// Signs in with a code of the active secret and records its step. Fails
// with totp_not_enabled or the errors of accept_code (code_already_used
// for a replay).
result<factor_state> sign_in_with_totp(const factor_state& state,
                                       std::string_view code,
                                       common::time_point now);

// Removes the active and any pending secret. Fails with totp_not_enabled
// or second_factor_required.
result<factor_state> disable_totp(const factor_state& state,
                                  const session_facts& session,
                                  const enrollment_policy& policy = {});

// Replaces every recovery code with `records` (from
// generate_recovery_codes). Fails with second_factor_required.
result<factor_state> replace_recovery_codes(
    const factor_state& state, recovery_set records,
    const session_facts& session, const enrollment_policy& policy = {});

// Signs in with a recovery code (one hash) and marks it used. Fails with
// the errors of verify_recovery_code.
result<factor_state> sign_in_with_recovery_code(const factor_state& state,
                                                std::string_view code,
                                                const recovery_hasher& hasher);

// True when the session verified a second factor within the policy's
// step-up age, and not in the future.
bool recently_verified(const session_facts& session,
                       const enrollment_policy& policy) noexcept;

}  // namespace totp
