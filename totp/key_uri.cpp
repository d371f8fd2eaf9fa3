#include "totp/key_uri.hpp"

#include "common/crypto.hpp"

#include <array>
#include <optional>

namespace totp {
namespace {

constexpr std::string_view kPrefix = "otpauth://";
constexpr std::string_view kType = "totp/";
constexpr params kDefaults{};

bool is_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

// Length of the UTF-8 sequence starting at `s[i]`, or 0 when it is not a
// well-formed, shortest-form, non-surrogate scalar value (RFC 3629).
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) -> unsigned {
    return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u;
  };
  const unsigned b0 = byte(i);
  const auto cont = [&](std::size_t k) { return (byte(k) & 0xc0) == 0x80; };
  if (b0 < 0x80)
    return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf)
    return cont(i + 1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const unsigned b1 = byte(i + 1);
    if ((b0 == 0xe0 && b1 < 0xa0) || (b0 == 0xed && b1 > 0x9f))
      return 0;  // overlong, or a UTF-16 surrogate
    return cont(i + 1) && cont(i + 2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const unsigned b1 = byte(i + 1);
    if ((b0 == 0xf0 && b1 < 0x90) || (b0 == 0xf4 && b1 > 0x8f))
      return 0;  // overlong, or beyond U+10FFFF
    return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

bool is_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0)
      return false;
    i += n;
  }
  return true;
}

// The checks an issuer or account name passes, both ways.
result<void> check_label_part(std::string_view part, errc if_empty) {
  if (part.empty())
    return if_empty;
  if (part.size() > kMaxLabelPart)
    return errc::label_too_long;
  if (!is_utf8(part))
    return errc::label_not_utf8;
  if (part.find(':') != std::string_view::npos)
    return errc::label_contains_colon;
  return {};
}

// Decodes %XX escapes; every other character must already be allowed.
result<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0)
      return errc::uri_bad_percent_encoding;
    out += static_cast<char>((high << 4) | low);
    i += 2;
  }
  return out;
}

// Characters allowed unescaped: unreserved ones, '%' for escapes, and the
// delimiters of the part they appear in.
result<void> check_characters(std::string_view text,
                              std::string_view delimiters) {
  for (const char c : text) {
    if (!is_unreserved(c) && c != '%' &&
        delimiters.find(c) == std::string_view::npos) {
      return errc::uri_bad_character;
    }
  }
  return {};
}

// Splits the decoded label at its colon, if any.
result<void> parse_label(std::string_view raw, key_uri& out) {
  if (auto chars = check_characters(raw, ":"); !chars)
    return chars.error();
  const auto label = percent_decode(raw);
  if (!label)
    return label.error();
  if (!is_utf8(*label))
    return errc::label_not_utf8;
  const std::size_t colon = label->find(':');
  std::string_view account = *label;
  if (colon != std::string::npos) {
    out.issuer = label->substr(0, colon);
    if (auto checked = check_label_part(out.issuer, errc::issuer_missing);
        !checked) {
      return checked.error();
    }
    account = std::string_view(*label).substr(colon + 1);
    // The format allows spaces between the colon and the account.
    account.remove_prefix(
        std::min(account.find_first_not_of(' '), account.size()));
  }
  if (auto checked = check_label_part(account, errc::account_missing);
      !checked) {
    return checked.error();
  }
  out.account = account;
  return {};
}

// The parameters, each at most once, still encoded.
struct raw_parameters {
  std::optional<std::string_view> secret;
  std::optional<std::string_view> issuer;
  std::optional<std::string_view> algorithm;
  std::optional<std::string_view> digits;
  std::optional<std::string_view> period;

  std::optional<std::string_view>* slot(std::string_view name) noexcept {
    if (name == "secret")
      return &secret;
    if (name == "issuer")
      return &issuer;
    if (name == "algorithm")
      return &algorithm;
    if (name == "digits")
      return &digits;
    if (name == "period")
      return &period;
    return nullptr;
  }
};

result<raw_parameters> split_query(std::string_view query) {
  if (auto chars = check_characters(query, "&="); !chars)
    return chars.error();
  raw_parameters found;
  while (true) {
    const std::size_t end = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, end);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos || equals == 0 ||
        pair.find('=', equals + 1) != std::string_view::npos) {
      return errc::uri_malformed_parameter;
    }
    auto* slot = found.slot(pair.substr(0, equals));
    if (slot == nullptr)
      return errc::uri_unknown_parameter;
    if (slot->has_value())
      return errc::uri_duplicate_parameter;
    *slot = pair.substr(equals + 1);
    if (end == query.size())
      return found;
    query.remove_prefix(end + 1);
  }
}

// A number from 1 to 999 written without sign or leading zero, or nothing.
std::optional<int> small_number(std::string_view text) noexcept {
  if (text.empty() || text.size() > 3 || text[0] == '0')
    return std::nullopt;
  int n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

result<void> parse_issuer(std::string_view raw, key_uri& out) {
  const auto issuer = percent_decode(raw);
  if (!issuer)
    return issuer.error();
  if (auto checked = check_label_part(*issuer, errc::issuer_missing);
      !checked) {
    return checked.error();
  }
  if (!out.issuer.empty() && out.issuer != *issuer)
    return errc::uri_issuer_mismatch;
  out.issuer = *issuer;
  return {};
}

result<void> parse_secret(std::optional<std::string_view> raw, key_uri& out) {
  if (!raw)
    return errc::uri_secret_missing;
  auto text = percent_decode(*raw);
  if (!text)
    return text.error();
  auto key = secret_from_base32(*text);
  common::wipe(
      std::span(reinterpret_cast<std::uint8_t*>(text->data()), text->size()));
  if (!key)
    return errc::uri_secret_invalid;
  out.key = std::move(*key);
  return {};
}

result<void> parse_otp_params(const raw_parameters& raw, key_uri& out) {
  if (raw.algorithm) {
    if (*raw.algorithm == "SHA1")
      out.otp.hash = algorithm::sha1;
    else if (*raw.algorithm == "SHA256")
      out.otp.hash = algorithm::sha256;
    else if (*raw.algorithm == "SHA512")
      out.otp.hash = algorithm::sha512;
    else
      return errc::uri_algorithm_invalid;
  }
  if (raw.digits) {
    const auto digits = small_number(*raw.digits);
    if (!digits || *digits < kMinDigits || *digits > kMaxDigits)
      return errc::uri_digits_invalid;
    out.otp.digits = *digits;
  }
  if (raw.period) {
    const auto period = small_number(*raw.period);
    if (!period || *period < kMinPeriod || *period > kMaxPeriod)
      return errc::uri_period_invalid;
    out.otp.period = *period;
  }
  return {};
}

}  // namespace

std::string percent_encode(std::string_view text) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_unreserved(c)) {
      out += c;
      continue;
    }
    const auto b = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

result<std::string> make_key_uri(std::string_view issuer,
                                 std::string_view account, const secret& key,
                                 const params& p) {
  if (auto checked = check_label_part(issuer, errc::issuer_missing); !checked)
    return checked.error();
  if (auto checked = check_label_part(account, errc::account_missing);
      !checked) {
    return checked.error();
  }
  if (auto checked = check_params(p); !checked)
    return checked.error();
  if (key.size() < kMinSecretSize)
    return errc::secret_too_short;
  if (key.size() > kMaxSecretSize)
    return errc::secret_too_long;

  const std::string encoded_issuer = percent_encode(issuer);
  std::string uri = std::string(kPrefix) + std::string(kType) + encoded_issuer +
                    ":" + percent_encode(account) +
                    "?secret=" + secret_to_base32(key) +
                    "&issuer=" + encoded_issuer;
  if (p.hash != kDefaults.hash)
    uri += "&algorithm=" + std::string(name_of(p.hash));
  if (p.digits != kDefaults.digits)
    uri += "&digits=" + std::to_string(p.digits);
  if (p.period != kDefaults.period)
    uri += "&period=" + std::to_string(p.period);
  return uri;
}

result<key_uri> parse_key_uri(std::string_view uri) {
  if (uri.size() > kMaxUriSize)
    return errc::uri_too_long;
  if (!uri.starts_with(kPrefix))
    return errc::uri_bad_scheme;
  uri.remove_prefix(kPrefix.size());
  if (!uri.starts_with(kType))
    return errc::uri_not_totp;
  uri.remove_prefix(kType.size());

  const std::size_t question = uri.find('?');
  if (question == std::string_view::npos)
    return errc::uri_secret_missing;
  key_uri out;
  if (auto label = parse_label(uri.substr(0, question), out); !label)
    return label.error();
  const auto raw = split_query(uri.substr(question + 1));
  if (!raw)
    return raw.error();
  if (raw->issuer) {
    if (auto issuer = parse_issuer(*raw->issuer, out); !issuer)
      return issuer.error();
  }
  if (auto key = parse_secret(raw->secret, out); !key)
    return key.error();
  if (auto otp = parse_otp_params(*raw, out); !otp)
    return otp.error();
  return out;
}

}  // namespace totp
