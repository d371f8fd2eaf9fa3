// otpauth:// URIs in the Key URI format that authenticator apps read from a
// QR code (https://github.com/google/google-authenticator/wiki/Key-Uri-Format):
//
//   otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER
//
// followed by &algorithm=, &digits= and &period= only when they differ from
// the defaults, because some apps ignore them and others mishandle them.
// Issuer and account are UTF-8 and percent-encoded (every byte outside
// RFC 3986's unreserved characters, space as %20); neither may contain a
// colon, which the label reserves as its separator.
//
// The parser is strict, for importing and for tests: it accepts what the
// format allows (a literal or encoded colon separator, spaces before the
// account, parameters in any order, defaults spelled out) and refuses
// everything else with a named error, including parameters it does not
// know, so that nothing in an imported URI is silently dropped.
//
// Thread-safe; pure functions.
#pragma once

#include "totp/otp.hpp"

#include <string>
#include <string_view>

namespace totp {

inline constexpr std::size_t kMaxLabelPart = 256;  // bytes, issuer or account
inline constexpr std::size_t kMaxUriSize = 2048;

struct key_uri {
  std::string issuer;   // decoded UTF-8; empty when the URI names none
  std::string account;  // decoded UTF-8, never empty
  secret key;
  params otp;  // hash, digits and period; the window is the server's choice
};

// Percent-encodes every byte outside A-Z a-z 0-9 - . _ ~ (upper-case hex).
std::string percent_encode(std::string_view text);

// Builds the URI. Fails with issuer_missing, account_missing,
// label_contains_colon, label_not_utf8, label_too_long, the errors of
// check_params, or secret_too_short / secret_too_long.
result<std::string> make_key_uri(std::string_view issuer,
                                 std::string_view account, const secret& key,
                                 const params& p = {});

// Parses a URI that make_key_uri or an authenticator app would accept.
// Fails with uri_too_long, uri_bad_scheme, uri_not_totp,
// uri_bad_character, uri_bad_percent_encoding, label_not_utf8,
// label_contains_colon, issuer_missing (an empty issuer before the
// colon), account_missing, uri_malformed_parameter,
// uri_duplicate_parameter, uri_unknown_parameter, uri_issuer_mismatch,
// uri_secret_missing, uri_secret_invalid, uri_algorithm_invalid,
// uri_digits_invalid or uri_period_invalid.
result<key_uri> parse_key_uri(std::string_view uri);

}  // namespace totp
