// One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA-1,
// -SHA-256 or -SHA-512, and the secrets they share with authenticator apps.
//
// Pure: time is always a parameter, and nothing here reads a clock, a file
// or a socket. Verification compares in constant time against every step
// of the window, so how long it takes does not tell which step matched.
// A code works once: verification returns the matched time step, and the
// caller stores it as the last accepted step and passes it back next time
// (`accept_code`), so that no step at or before it is accepted again.
//
// Thread-safe: functions share nothing mutable. A `secret` is a value; one
// object is not meant to be shared between threads while it changes.
// Failures come back as `totp::errc` (or `common::errc` for the random
// generator and base32); nothing throws on bad input.
#pragma once

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "totp/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace totp {

enum class algorithm { sha1, sha256, sha512 };

// "SHA1", "SHA256" or "SHA512", as the Key URI format spells them.
std::string_view name_of(algorithm a) noexcept;

// The secret size this server generates for each algorithm: the HMAC's
// output size, as RFC 6238's reference seeds use (20, 32, 64 bytes).
std::size_t secret_size(algorithm a) noexcept;

// Bounds on what verification accepts; see check_params.
inline constexpr int kMinDigits = 6;
inline constexpr int kMaxDigits = 8;
inline constexpr std::int64_t kMinPeriod = 15;
inline constexpr std::int64_t kMaxPeriod = 300;
inline constexpr int kMaxWindow = 10;
inline constexpr std::size_t kMinSecretSize = 16;
inline constexpr std::size_t kMaxSecretSize = 128;

// The defaults are what every authenticator app supports.
struct params {
  algorithm hash = algorithm::sha1;
  int digits = 6;
  std::int64_t period = 30;  // seconds per time step
  int window = 1;            // steps accepted either side of the current one

  friend bool operator==(const params&, const params&) = default;
};

// Fails with digits_out_of_range, period_out_of_range or
// window_out_of_range.
result<void> check_params(const params& p);

// Secret key bytes, wiped when destroyed or overwritten. Compared in
// constant time. Never printed: there is deliberately no stream operator.
class secret {
 public:
  secret() = default;
  explicit secret(common::bytes data) noexcept : data_(std::move(data)) {}
  secret(const secret& other) : data_(other.data_) {}
  secret(secret&& other) noexcept : data_(std::move(other.data_)) {}
  secret& operator=(const secret& other);
  secret& operator=(secret&& other) noexcept;
  ~secret();

  common::byte_view view() const noexcept { return data_; }
  std::size_t size() const noexcept { return data_.size(); }
  bool empty() const noexcept { return data_.empty(); }

  friend bool operator==(const secret& a, const secret& b) noexcept;

 private:
  common::bytes data_;
};

// secret_size(a) bytes from the OpenSSL CSPRNG. Fails with
// common::errc::random_failed.
result<secret> generate_secret(algorithm a);

// Upper-case unpadded base32, for URIs and manual entry.
std::string secret_to_base32(const secret& s);

// Strict base32 (see common/base32.hpp; its errors pass through), then
// secret_too_short or secret_too_long.
result<secret> secret_from_base32(std::string_view text);

// RFC 4226 section 5.3: HMAC of the 8-byte big-endian counter, then the
// 31-bit dynamically truncated value. Fails with secret_too_short,
// secret_too_long or hmac_failed.
result<std::uint32_t> hotp_value(algorithm a, common::byte_view key,
                                 std::uint64_t counter);

// The HOTP code: hotp_value modulo 10^digits, with leading zeros. Also
// fails with digits_out_of_range.
result<std::string> hotp_code(algorithm a, common::byte_view key,
                              std::uint64_t counter, int digits);

// RFC 6238 section 4.2 with T0 = 0: whole periods since the epoch. Fails
// with time_before_epoch or period_out_of_range.
result<std::int64_t> time_step(common::time_point t, std::int64_t period);

// The same from Unix seconds, for times that a time_point (nanoseconds in
// 64 bits) cannot hold: after the year 2262, as in RFC 6238's last vector.
result<std::int64_t> time_step_at(std::int64_t unix_seconds,
                                  std::int64_t period);

// The TOTP code at time `t`; the errors of hotp_code and time_step.
result<std::string> totp_code(const secret& key, common::time_point t,
                              const params& p);
result<std::string> totp_code_at(const secret& key, std::int64_t unix_seconds,
                                 const params& p);

// Checks the shape of a submitted code, before any HMAC: fails with
// code_contains_whitespace, code_not_digits or code_wrong_length (in that
// order of precedence).
result<void> check_code_format(std::string_view code, int digits);

// Verifies `code` against every step within p.window of the step at `now`
// and returns the matched step (the latest one, should two match). Fails
// with the errors of check_params, check_code_format and totp_code, or
// with code_mismatch.
result<std::int64_t> verify_code(std::string_view code, const secret& key,
                                 common::time_point now, const params& p);

// Refuses a step at or before the last one accepted: code_already_used.
result<void> refuse_replay(std::int64_t step,
                           std::optional<std::int64_t> last_accepted_step);

// verify_code and refuse_replay in one pass: steps at or before
// `last_accepted_step` are computed and compared like the others but cannot
// be accepted. Returns the step to store as the new last accepted step.
// Fails like verify_code, or with code_already_used when the code matches
// only steps that were already used.
result<std::int64_t> accept_code(
    std::string_view code, const secret& key, common::time_point now,
    const params& p, std::optional<std::int64_t> last_accepted_step);

}  // namespace totp
