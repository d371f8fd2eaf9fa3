#include "totp/error.hpp"

namespace totp {
namespace {

using common::error_info;

constexpr error_info kErrors[] = {
    {"ok", "success"},

    {"digits_out_of_range", "a one-time password has 6, 7 or 8 digits"},
    {"period_out_of_range",
     "the time step is outside the allowed 15 to 300 seconds"},
    {"window_out_of_range",
     "the verification window is outside the allowed 0 to 10 steps"},
    {"secret_too_short", "the secret is shorter than 16 bytes (128 bits)"},
    {"secret_too_long", "the secret is longer than 128 bytes"},
    {"time_before_epoch", "the time is before 1970-01-01T00:00:00Z"},
    {"hmac_failed", "OpenSSL could not compute the HMAC"},

    {"code_contains_whitespace", "the code contains white space"},
    {"code_not_digits", "the code contains something other than digits"},
    {"code_wrong_length", "the code does not have the expected digit count"},
    {"code_mismatch", "the code does not match any step of the window"},
    {"code_already_used",
     "the code is for a time step at or before the last one accepted"},

    {"issuer_missing", "the issuer name is empty"},
    {"account_missing", "the account name is empty"},
    {"label_contains_colon",
     "an issuer or account name contains a colon, which the label reserves"},
    {"label_not_utf8", "an issuer or account name is not valid UTF-8"},
    {"label_too_long", "an issuer or account name is longer than allowed"},

    {"uri_too_long", "the URI is longer than 2048 characters"},
    {"uri_bad_scheme", "the URI does not start with otpauth://"},
    {"uri_not_totp", "the URI is not of type totp"},
    {"uri_bad_character", "the URI has a character that must be escaped"},
    {"uri_bad_percent_encoding",
     "the URI has a '%' not followed by two hex digits"},
    {"uri_malformed_parameter",
     "a URI parameter is not of the form name=value"},
    {"uri_duplicate_parameter", "a URI parameter appears twice"},
    {"uri_unknown_parameter", "the URI has a parameter this server ignores"},
    {"uri_issuer_mismatch",
     "the issuer parameter differs from the issuer in the label"},
    {"uri_secret_missing", "the URI has no secret parameter"},
    {"uri_secret_invalid", "the URI secret is not usable base32"},
    {"uri_algorithm_invalid", "the algorithm is not SHA1, SHA256 or SHA512"},
    {"uri_digits_invalid", "the digits parameter is not 6, 7 or 8"},
    {"uri_period_invalid",
     "the period is not a whole number of seconds from 15 to 300"},

    {"qr_input_too_long", "the text does not fit in a QR code"},
    {"qr_encode_failed", "libqrencode could not encode the text"},

    {"recovery_code_wrong_length",
     "the recovery code does not have 16 characters"},
    {"recovery_code_bad_character",
     "the recovery code has a character outside its alphabet"},
    {"recovery_code_invalid", "the recovery code is not one of this set"},
    {"recovery_code_already_used", "the recovery code was already used"},
    {"recovery_cost_invalid", "the Argon2id cost parameters are invalid"},
    {"recovery_hash_failed", "Argon2id hashing failed"},

    {"enrollment_not_pending",
     "no authenticator app is waiting to be confirmed"},
    {"enrollment_expired", "the pending authenticator app secret expired"},
    {"totp_not_enabled", "the account has no confirmed authenticator app"},
    {"second_factor_required",
     "this change needs a second factor verified in the last few minutes"},
};
static_assert(std::size(kErrors) == static_cast<std::size_t>(errc::count_));

}  // namespace

std::string_view describe(errc e) noexcept {
  return common::lookup_error(kErrors, static_cast<int>(e)).text;
}

std::string_view name_of(errc e) noexcept {
  return common::lookup_error(kErrors, static_cast<int>(e)).name;
}

const boost::system::error_category& totp_category() noexcept {
  static const common::enum_category<errc> category("totp");
  return category;
}

}  // namespace totp
