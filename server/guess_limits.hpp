// Limits on guessing the secrets a person can be made to type or read out
// (a password, a TOTP code, a recovery code): per account and factor,
// keyed by the normalized username whoever sends the guess (unknown names
// too, so the answers do not tell them apart), and per client address.
//
// An account's factor gets `free_failures` wrong guesses, then a delay that
// doubles with each further failure up to `max_delay`; at
// `lockout_failures` consecutive failures it is locked until an admin
// reset or a recovery code clears it. A right guess clears the account's
// count. An address gets `address_failures_per_hour` wrong guesses an
// hour, on all accounts together. Every count lives in the store, so limits
// hold across restarts and across nodes. WebAuthn assertions are not here:
// they cannot be guessed, and failing passwords must never lock anyone out
// of passkey sign-in.
//
// Thread-safe: uses only the store and the metrics, which lock.
#pragma once

#include "server/api.hpp"
#include "server/services.hpp"

#include <string_view>

namespace server {

enum class guessed_factor { password, totp, recovery_code };

std::string_view to_string(guessed_factor f) noexcept;

// Removes the counts of every factor kept under `username`: what
// guess_limits::clear does, for the operator's commands, which have a store
// but no server around it.
void clear_guess_limits(storage::store& store, std::string_view username);

class guess_limits {
 public:
  explicit guess_limits(services& s) : s_(s) {}

  // Before a guess: fails with rate_limited (with Retry-After) while the
  // account's factor or the address waits out a delay, and with
  // factor_locked once the factor is locked.
  api_result<void> before(guessed_factor factor, std::string_view username,
                          std::string_view address) const;

  // After a wrong guess: counts it for the account and the address.
  void failed(guessed_factor factor, std::string_view username,
              std::string_view address) const;

  // After a right guess: the account's count for that factor starts over.
  void succeeded(guessed_factor factor, std::string_view username) const;

  // Unlocks every factor of the account (a recovery code, an admin reset).
  void clear(std::string_view username) const;

 private:
  services& s_;
};

}  // namespace server
