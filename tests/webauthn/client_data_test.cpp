#include "webauthn/client_data.hpp"

#include "builders.hpp"

#include <doctest/doctest.h>

#include <string>

using webauthn::errc;

namespace {

auto parse(std::string_view text) {
  return webauthn::parse_client_data(common::as_bytes(text));
}

errc parse_error(std::string_view text) {
  const auto r = parse(text);
  REQUIRE(r.has_error());
  return static_cast<errc>(r.error().value());
}

// A well-formed clientDataJSON with `extra` spliced in before the end.
std::string with(std::string_view extra) {
  return R"({"type":"webauthn.get","challenge":"AAEC",)"
         R"("origin":"https://example.org")" +
         std::string(extra) + "}";
}

}  // namespace

TEST_CASE("valid_client_data_with_the_required_members") {
  const auto parsed = parse(with(""));
  REQUIRE(parsed);
  CHECK(parsed->type == "webauthn.get");
  CHECK(parsed->challenge == test::hex("000102"));
  CHECK(parsed->origin == "https://example.org");
  CHECK_FALSE(parsed->cross_origin);
  CHECK_FALSE(parsed->top_origin);
}

TEST_CASE("valid_client_data_with_optional_and_unknown_members") {
  const auto parsed =
      parse(with(R"(,"crossOrigin":true,"topOrigin":"https://top.example",)"
                 R"("other_keys_can_be_added_here":["do not compare",{"a":1}],)"
                 R"("tokenBinding":{"status":"present"},)"
                 R"("note":"\u00e9t\u00e9 \ud83d\ude00")"));
  REQUIRE(parsed);
  CHECK(parsed->cross_origin == true);
  CHECK(parsed->top_origin == "https://top.example");
}

TEST_CASE("junk_bytes_that_are_not_utf8") {
  std::string text = with(R"(,"x":"é")");
  CHECK(parse(text));
  for (const char* bad :
       {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "\xe2\x82"}) {
    std::string broken = with(std::string(R"(,"x":")") + bad + "\"");
    CHECK(parse_error(broken) == errc::client_data_not_utf8);
  }
}

TEST_CASE("junk_json_is_malformed") {
  CHECK(parse_error("") == errc::client_data_malformed);
  CHECK(parse_error("not json") == errc::client_data_malformed);
  CHECK(parse_error(R"(["webauthn.get"])") == errc::client_data_malformed);
  CHECK(parse_error(R"("string")") == errc::client_data_malformed);
  CHECK(parse_error(with("") + " {}") == errc::client_data_malformed);
  CHECK(parse_error(with(R"(,"origin":"https://evil.example")")) ==
        errc::client_data_malformed);
}

TEST_CASE("junk_deep_nesting_is_refused_before_parsing") {
  std::string deep =
      with(R"(,"x":)" + std::string(16, '[') + std::string(16, ']'));
  CHECK(parse_error(deep) == errc::client_data_malformed);
  std::string ok =
      with(R"(,"x":)" + std::string(15, '[') + std::string(15, ']'));
  CHECK(parse(ok));
  // Brackets inside strings do not count.
  CHECK(parse(with(R"(,"x":"[[[[[[[[[[[[[[[[[[[[\"[[[[")")));
  CHECK(parse_error(std::string(10000, '[')) == errc::client_data_malformed);
}

TEST_CASE("no_oversize_client_data") {
  std::string big = with(R"(,"pad":")" +
                         std::string(webauthn::kClientDataMaxSize, 'a') + "\"");
  CHECK(parse_error(big) == errc::input_too_large);
}

TEST_CASE("no_required_member_missing") {
  CHECK(parse_error(R"({"challenge":"AA","origin":"o"})") ==
        errc::json_missing_member);
  CHECK(parse_error(R"({"type":"t","origin":"o"})") ==
        errc::json_missing_member);
  CHECK(parse_error(R"({"type":"t","challenge":"AA"})") ==
        errc::json_missing_member);
}

TEST_CASE("junk_members_of_the_wrong_type") {
  CHECK(parse_error(R"({"type":1,"challenge":"AA","origin":"o"})") ==
        errc::json_wrong_type);
  CHECK(parse_error(R"({"type":"t","challenge":[],"origin":"o"})") ==
        errc::json_wrong_type);
  CHECK(parse_error(R"({"type":"t","challenge":"AA","origin":null})") ==
        errc::json_wrong_type);
  CHECK(parse_error(with(R"(,"crossOrigin":"true")")) == errc::json_wrong_type);
  CHECK(parse_error(with(R"(,"crossOrigin":null)")) == errc::json_wrong_type);
  CHECK(parse_error(with(R"(,"topOrigin":true)")) == errc::json_wrong_type);
}

TEST_CASE("junk_challenge_that_is_not_base64url") {
  for (const char* challenge : {"AA==", "AA+/", "A", "AB", "AA AA"}) {
    CAPTURE(challenge);
    const std::string text = std::string(R"({"type":"t","challenge":")") +
                             challenge + R"(","origin":"o"})";
    CHECK(parse_error(text) == errc::base64url_invalid);
  }
}
