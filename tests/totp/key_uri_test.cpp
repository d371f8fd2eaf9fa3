#include "totp/key_uri.hpp"

#include <doctest/doctest.h>

using totp::algorithm;
using totp::errc;
using totp::parse_key_uri;

namespace {

const totp::secret kKey(common::to_bytes("12345678901234567890"));
constexpr std::string_view kSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

std::string uri_for(std::string_view issuer, std::string_view account,
                    const totp::params& p = {}) {
  const auto uri = totp::make_key_uri(issuer, account, kKey, p);
  REQUIRE(uri.has_value());
  return *uri;
}

common::error_code parse_error(std::string_view uri) {
  const auto parsed = parse_key_uri(uri);
  REQUIRE(parsed.has_error());
  return parsed.error();
}

std::string with_secret(std::string_view rest) {
  return "otpauth://totp/Acme:alice?secret=" + std::string(kSecret) +
         std::string(rest);
}

}  // namespace

TEST_CASE("defaults are left out of the URI") {
  CHECK(uri_for("Acme", "alice@example.com") ==
        "otpauth://totp/Acme:alice%40example.com?secret=" +
            std::string(kSecret) + "&issuer=Acme");
}

TEST_CASE("algorithm, digits and period appear when not the defaults") {
  CHECK(uri_for("Acme", "alice", {algorithm::sha256, 6, 30, 1}) ==
        with_secret("&issuer=Acme&algorithm=SHA256"));
  CHECK(uri_for("Acme", "alice", {algorithm::sha1, 8, 30, 1}) ==
        with_secret("&issuer=Acme&digits=8"));
  CHECK(uri_for("Acme", "alice", {algorithm::sha512, 7, 60, 2}) ==
        with_secret("&issuer=Acme&algorithm=SHA512&digits=7&period=60"));
}

TEST_CASE("spaces, reserved characters and non-ASCII names are escaped") {
  CHECK(uri_for("Acme Corp", "Alice Smith")
            .starts_with("otpauth://totp/Acme%20Corp:Alice%20Smith?"));
  CHECK(uri_for("Bücher & Co", "jürgen+2fa@exämple.de")
            .starts_with("otpauth://totp/B%C3%BCcher%20%26%20Co:"
                         "j%C3%BCrgen%2B2fa%40ex%C3%A4mple.de?"));
  CHECK(uri_for("東京", "ユーザー")
            .starts_with("otpauth://totp/%E6%9D%B1%E4%BA%AC:"
                         "%E3%83%A6%E3%83%BC%E3%82%B6%E3%83%BC?"));
  CHECK(uri_for("a/b?c#d", "x=y&z%")
            .starts_with("otpauth://totp/a%2Fb%3Fc%23d:x%3Dy%26z%25?"));
  CHECK(uri_for("Acme", "alice").find("&issuer=Acme") != std::string::npos);
  CHECK(uri_for("Acme Corp", "a").ends_with("&issuer=Acme%20Corp"));
  CHECK(totp::percent_encode("-._~AZaz09") == "-._~AZaz09");
}

TEST_CASE("escaped names parse back to exactly what was given") {
  const std::pair<std::string_view, std::string_view> names[] = {
      {"Acme Corp", "Alice Smith"},
      {"Bücher & Co", "jürgen+2fa@exämple.de"},
      {"東京", "ユーザー 😀"},
      {"a/b?c#d=e", "x=y&z%20"},
  };
  for (const auto& [issuer, account] : names) {
    CAPTURE(issuer);
    const auto parsed =
        parse_key_uri(uri_for(issuer, account, {algorithm::sha512, 8, 45, 1}));
    REQUIRE(parsed.has_value());
    CHECK(parsed->issuer == issuer);
    CHECK(parsed->account == account);
    CHECK(parsed->key == kKey);
    CHECK(parsed->otp == totp::params{algorithm::sha512, 8, 45, 1});
  }
}

TEST_CASE("colons are refused in names, both ways") {
  const auto with_colon = totp::make_key_uri("Acme:EU", "alice", kKey);
  CHECK(with_colon.error() == errc::label_contains_colon);
  CHECK(totp::make_key_uri("Acme", "alice:work", kKey).error() ==
        errc::label_contains_colon);
  CHECK(parse_error("otpauth://totp/Acme:alice:work?secret=" +
                    std::string(kSecret)) == errc::label_contains_colon);
  CHECK(parse_error("otpauth://totp/Acme%3Aalice%3Awork?secret=" +
                    std::string(kSecret)) == errc::label_contains_colon);
  CHECK(parse_error(with_secret("&issuer=Acme%3AEU")) ==
        errc::label_contains_colon);
}

TEST_CASE("the label separator may be a literal or escaped colon") {
  for (const char* label : {"Acme:alice", "Acme%3Aalice", "Acme%3aalice",
                            "Acme:%20%20alice", "Acme%3A%20alice"}) {
    CAPTURE(label);
    const auto parsed = parse_key_uri("otpauth://totp/" + std::string(label) +
                                      "?secret=" + std::string(kSecret));
    REQUIRE(parsed.has_value());
    CHECK(parsed->issuer == "Acme");
    CHECK(parsed->account == "alice");
  }
}

TEST_CASE("the parser accepts what the format allows") {
  const auto reordered = parse_key_uri(
      "otpauth://totp/Acme:alice?period=30&digits=6&algorithm=SHA1&issuer="
      "Acme&secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojq");
  REQUIRE(reordered.has_value());
  CHECK(reordered->otp == totp::params{});
  CHECK(reordered->key == kKey);
  const auto no_issuer =
      parse_key_uri("otpauth://totp/alice?secret=" + std::string(kSecret));
  REQUIRE(no_issuer.has_value());
  CHECK(no_issuer->issuer.empty());
  CHECK(no_issuer->account == "alice");
  const auto issuer_only = parse_key_uri(
      "otpauth://totp/alice?issuer=Acme&secret=" + std::string(kSecret));
  REQUIRE(issuer_only.has_value());
  CHECK(issuer_only->issuer == "Acme");
}

TEST_CASE("malformed URIs are refused with named errors") {
  CHECK(parse_error(std::string(2049, 'a')) == errc::uri_too_long);
  CHECK(parse_error("http://totp/Acme:alice?secret=A") == errc::uri_bad_scheme);
  CHECK(parse_error("OTPAUTH://totp/Acme:alice") == errc::uri_bad_scheme);
  CHECK(parse_error("otpauth://hotp/Acme:alice?secret=" + std::string(kSecret) +
                    "&counter=0") == errc::uri_not_totp);
  CHECK(parse_error("otpauth://totp") == errc::uri_not_totp);
  CHECK(parse_error("otpauth://totp/Acme:alice") == errc::uri_secret_missing);
  CHECK(parse_error("otpauth://totp/Acme:alice?issuer=Acme") ==
        errc::uri_secret_missing);
  CHECK(parse_error("otpauth://totp/Acme alice?secret=A") ==
        errc::uri_bad_character);
  CHECK(parse_error("otpauth://totp/Acme:bob/x?secret=A") ==
        errc::uri_bad_character);
  CHECK(parse_error("otpauth://totp/B\xc3\xbc:a?secret=A") ==
        errc::uri_bad_character);
  CHECK(parse_error(with_secret("#fragment")) == errc::uri_bad_character);
  CHECK(parse_error(with_secret("&issuer=Acme+Corp")) ==
        errc::uri_bad_character);
  CHECK(parse_error("otpauth://totp/Acme%2:alice?secret=A") ==
        errc::uri_bad_percent_encoding);
  CHECK(parse_error("otpauth://totp/Acme%G0:alice?secret=A") ==
        errc::uri_bad_percent_encoding);
  CHECK(parse_error(with_secret("&issuer=Acme%")) ==
        errc::uri_bad_percent_encoding);
  CHECK(parse_error("otpauth://totp/Acme%FF:alice?secret=A") ==
        errc::label_not_utf8);
  CHECK(parse_error("otpauth://totp/%C0%AF:alice?secret=A") ==
        errc::label_not_utf8);
  CHECK(parse_error("otpauth://totp/%ED%A0%80:alice?secret=A") ==
        errc::label_not_utf8);
  CHECK(parse_error("otpauth://totp/:alice?secret=A") == errc::issuer_missing);
  CHECK(parse_error("otpauth://totp/Acme:?secret=A") == errc::account_missing);
  CHECK(parse_error("otpauth://totp/?secret=A") == errc::account_missing);
  CHECK(parse_error("otpauth://totp/Acme:%20?secret=A") ==
        errc::account_missing);
}

TEST_CASE("malformed parameters are refused with named errors") {
  CHECK(parse_error("otpauth://totp/Acme:alice?") ==
        errc::uri_malformed_parameter);
  CHECK(parse_error(with_secret("&")) == errc::uri_malformed_parameter);
  CHECK(parse_error(with_secret("&&issuer=Acme")) ==
        errc::uri_malformed_parameter);
  CHECK(parse_error(with_secret("&issuer")) == errc::uri_malformed_parameter);
  CHECK(parse_error(with_secret("&=Acme")) == errc::uri_malformed_parameter);
  CHECK(parse_error(with_secret("&issuer=A=B")) ==
        errc::uri_malformed_parameter);
  CHECK(parse_error(with_secret("&secret=" + std::string(kSecret))) ==
        errc::uri_duplicate_parameter);
  CHECK(parse_error(with_secret("&digits=6&digits=6")) ==
        errc::uri_duplicate_parameter);
  CHECK(parse_error(with_secret("&image=x")) == errc::uri_unknown_parameter);
  CHECK(parse_error(with_secret("&counter=1")) == errc::uri_unknown_parameter);
  CHECK(parse_error(with_secret("&Issuer=Acme")) ==
        errc::uri_unknown_parameter);
  CHECK(parse_error(with_secret("&issuer=Other")) == errc::uri_issuer_mismatch);
  CHECK(parse_error(with_secret("&issuer=")) == errc::issuer_missing);
  CHECK(parse_error("otpauth://totp/Acme:alice?secret=") ==
        errc::uri_secret_invalid);
  CHECK(parse_error("otpauth://totp/Acme:alice?secret=GEZDGNBVGY3TQOJ1") ==
        errc::uri_secret_invalid);
  CHECK(parse_error("otpauth://totp/Acme:alice?secret=GEZDGNBVGY3TQOJQ") ==
        errc::uri_secret_invalid);  // 10 bytes: too short
  for (const char* a : {"sha1", "SHA-1", "MD5", "SHA384", ""}) {
    CAPTURE(a);
    CHECK(parse_error(with_secret("&algorithm=" + std::string(a))) ==
          errc::uri_algorithm_invalid);
  }
  for (const char* d : {"5", "9", "06", "6.0", "", "x"}) {
    CAPTURE(d);
    CHECK(parse_error(with_secret("&digits=" + std::string(d))) ==
          errc::uri_digits_invalid);
  }
  for (const char* p : {"0", "14", "301", "030", "-30", "1000", "", "3e1"}) {
    CAPTURE(p);
    CHECK(parse_error(with_secret("&period=" + std::string(p))) ==
          errc::uri_period_invalid);
  }
}

TEST_CASE("building refuses bad names and parameters") {
  CHECK(totp::make_key_uri("", "alice", kKey).error() == errc::issuer_missing);
  CHECK(totp::make_key_uri("Acme", "", kKey).error() == errc::account_missing);
  CHECK(totp::make_key_uri("Acme\xff", "alice", kKey).error() ==
        errc::label_not_utf8);
  CHECK(totp::make_key_uri(std::string(257, 'a'), "alice", kKey).error() ==
        errc::label_too_long);
  CHECK(totp::make_key_uri("Acme", "alice", kKey, {algorithm::sha1, 9, 30, 1})
            .error() == errc::digits_out_of_range);
  const totp::secret short_key(common::bytes(15, 1));
  CHECK(totp::make_key_uri("Acme", "alice", short_key).error() ==
        errc::secret_too_short);
  const totp::secret long_key(common::bytes(129, 1));
  CHECK(totp::make_key_uri("Acme", "alice", long_key).error() ==
        errc::secret_too_long);
}
