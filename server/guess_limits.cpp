#include "server/guess_limits.hpp"

#include "server/metrics.hpp"
#include "server/net.hpp"

#include <algorithm>

namespace server {
namespace {

using std::chrono::seconds;

// Consecutive failures of an account are counted over a long window: a
// slow guesser must not see the count reset by waiting.
constexpr seconds kAccountWindow = std::chrono::hours(24 * 365);
constexpr seconds kAddressWindow = std::chrono::hours(1);
// "Until cleared": far enough that no delay reaches it.
constexpr auto kLocked = std::chrono::hours(24 * 365 * 100);

std::string account_key(guessed_factor f, std::string_view username) {
  return "guess:" + std::string(to_string(f)) + ":" + std::string(username);
}

std::string address_key_for(std::string_view address) {
  return "guess-address:" + address_key(address);
}

seconds until(common::time_point from, common::time_point to) {
  return std::max(seconds(1), std::chrono::duration_cast<seconds>(to - from));
}

}  // namespace

std::string_view to_string(guessed_factor f) noexcept {
  switch (f) {
    case guessed_factor::totp:
      return "totp";
    case guessed_factor::recovery_code:
      return "recovery_code";
    case guessed_factor::password:
      break;
  }
  return "password";
}

api_result<void> guess_limits::before(guessed_factor factor,
                                      std::string_view username,
                                      std::string_view address) const {
  const auto now = s_.clock.now();
  const auto limited = [&](std::string reason, seconds wait) {
    if (s_.stats != nullptr)
      s_.stats->add("latchkey_rate_limited_total", {{"limit", reason}});
    api_failure failure(api_error::rate_limited);
    failure.reason = std::move(reason);
    failure.retry_after = wait;
    return failure;
  };
  if (auto account = s_.store.find_rate_limit(account_key(factor, username));
      account && account->locked_until && *account->locked_until > now) {
    if (account->failures >= s_.config.lockout_failures) {
      api_failure locked(api_error::factor_locked);
      locked.reason = "account_locked";
      return locked;
    }
    return limited("account_delay", until(now, *account->locked_until));
  }
  if (s_.config.insecure_disable_address_limits)
    return {};
  if (auto at = s_.store.find_rate_limit(address_key_for(address));
      at && at->failures >= s_.config.address_failures_per_hour &&
      at->window_start + kAddressWindow > now) {
    return limited("address", until(now, at->window_start + kAddressWindow));
  }
  return {};
}

void guess_limits::failed(guessed_factor factor, std::string_view username,
                          std::string_view address) const {
  const auto now = s_.clock.now();
  if (s_.stats != nullptr) {
    s_.stats->add("latchkey_guess_failures_total",
                  {{"factor", std::string(to_string(factor))}});
  }
  const auto key = account_key(factor, username);
  if (auto counted = s_.store.record_failure(key, now, kAccountWindow)) {
    const auto failures = counted->failures;
    if (failures >= s_.config.lockout_failures) {
      (void)s_.store.lock_until(key, now + kLocked);
    } else if (failures > s_.config.free_failures) {
      const auto doublings =
          std::min<std::uint64_t>(failures - s_.config.free_failures - 1, 30);
      const auto delay = std::min<std::chrono::milliseconds>(
          std::chrono::seconds(std::uint64_t{1} << doublings),
          s_.config.max_delay);
      (void)s_.store.lock_until(
          key, now + std::chrono::duration_cast<common::time_point::duration>(
                         delay));
    }
  }
  if (!s_.config.insecure_disable_address_limits)
    (void)s_.store.record_failure(address_key_for(address), now,
                                  kAddressWindow);
}

void guess_limits::succeeded(guessed_factor factor,
                             std::string_view username) const {
  (void)s_.store.clear_rate_limit(account_key(factor, username));
}

void clear_guess_limits(storage::store& store, std::string_view username) {
  for (const auto f : {guessed_factor::password, guessed_factor::totp,
                       guessed_factor::recovery_code})
    (void)store.clear_rate_limit(account_key(f, username));
}

void guess_limits::clear(std::string_view username) const {
  clear_guess_limits(s_.store, username);
}

}  // namespace server
