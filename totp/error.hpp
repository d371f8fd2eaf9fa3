// Why a one-time password, otpauth URI, QR code, recovery code or
// enrollment step was refused: one value per rule, named after the check
// that failed.
//
// Thread-safe: the category is an immutable singleton.
#pragma once

#include "common/error.hpp"

namespace totp {

using common::result;

enum class errc {
  ok = 0,

  // Parameters, secrets and times.
  digits_out_of_range,
  period_out_of_range,
  window_out_of_range,
  secret_too_short,
  secret_too_long,
  time_before_epoch,
  hmac_failed,

  // Submitted codes.
  code_contains_whitespace,
  code_not_digits,
  code_wrong_length,
  code_mismatch,
  code_already_used,

  // otpauth labels, when building and parsing.
  issuer_missing,
  account_missing,
  label_contains_colon,
  label_not_utf8,
  label_too_long,

  // otpauth URIs, when parsing.
  uri_too_long,
  uri_bad_scheme,
  uri_not_totp,
  uri_bad_character,
  uri_bad_percent_encoding,
  uri_malformed_parameter,
  uri_duplicate_parameter,
  uri_unknown_parameter,
  uri_issuer_mismatch,
  uri_secret_missing,
  uri_secret_invalid,
  uri_algorithm_invalid,
  uri_digits_invalid,
  uri_period_invalid,

  // QR codes.
  qr_input_too_long,
  qr_encode_failed,

  // Recovery codes.
  recovery_code_wrong_length,
  recovery_code_bad_character,
  recovery_code_invalid,
  recovery_code_already_used,
  recovery_cost_invalid,
  recovery_hash_failed,

  // Enrollment.
  enrollment_not_pending,
  enrollment_expired,
  totp_not_enabled,
  second_factor_required,

  count_  // not an error: the number of values
};

std::string_view describe(errc e) noexcept;
std::string_view name_of(errc e) noexcept;
const boost::system::error_category& totp_category() noexcept;

inline common::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), totp_category()};
}

}  // namespace totp

template <>
struct boost::system::is_error_code_enum<totp::errc> : std::true_type {};
