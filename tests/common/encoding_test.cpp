#include "common/encoding.hpp"

#include <doctest/doctest.h>

using common::as_bytes;
using common::base64url_decode;
using common::base64url_encode;
using common::errc;

namespace {

std::string decoded_text(std::string_view encoded) {
  const auto r = base64url_decode(encoded);
  REQUIRE(r.has_value());
  return std::string(common::as_text(*r));
}

}  // namespace

TEST_CASE("base64url round-trips the RFC 4648 section 10 vectors") {
  // Section 10's vectors without their padding, which base64url omits.
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},
      {"f", "Zg"},
      {"fo", "Zm8"},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg"},
      {"fooba", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CAPTURE(plain);
    CHECK(base64url_encode(as_bytes(plain)) == encoded);
    CHECK(decoded_text(encoded) == plain);
  }
}

TEST_CASE("base64url uses - and _ where base64 uses + and /") {
  const common::bytes data = {0xfb, 0xff, 0xbf};
  CHECK(base64url_encode(data) == "-_-_");
  CHECK(*base64url_decode("-_-_") == data);
}

TEST_CASE("base64url refuses padding") {
  CHECK(base64url_decode("Zg==").error() == errc::base64url_padding);
  CHECK(base64url_decode("Zm8=").error() == errc::base64url_padding);
}

TEST_CASE("base64url refuses the standard alphabet's + and /") {
  CHECK(base64url_decode("+/+/").error() == errc::base64url_bad_character);
  CHECK(base64url_decode("ab/c").error() == errc::base64url_bad_character);
}

TEST_CASE("base64url refuses white space anywhere") {
  for (const auto* text : {" Zm9v", "Zm9v ", "Zm\n9v", "Zm\t9v", "Zm 9v"}) {
    CAPTURE(text);
    const auto r = base64url_decode(text);
    REQUIRE(r.has_error());
    CHECK(r.error() != errc::ok);
  }
}

TEST_CASE("base64url refuses a length that cannot hold whole bytes") {
  CHECK(base64url_decode("Z").error() == errc::base64url_bad_length);
  CHECK(base64url_decode("Zm9vY").error() == errc::base64url_bad_length);
}

TEST_CASE("base64url refuses non-zero bits after the last byte") {
  // "Zg" is 'f'; "Zh" spells the same byte with a stray low bit set.
  CHECK(base64url_decode("Zh").error() == errc::base64url_noncanonical_tail);
  CHECK(base64url_decode("Zm9").error() == errc::base64url_noncanonical_tail);
}

TEST_CASE("base64url refuses bytes outside ASCII") {
  CHECK(base64url_decode("Zm\xc3\xa9").error() ==
        errc::base64url_bad_character);
  CHECK(base64url_decode(std::string_view("Zm\0v", 4)).error() ==
        errc::base64url_bad_character);
}

TEST_CASE("base64url round-trips every byte value and length") {
  common::bytes data;
  for (int i = 0; i < 300; ++i) {
    data.push_back(static_cast<std::uint8_t>(i * 7));
    const auto back = base64url_decode(base64url_encode(data));
    REQUIRE(back.has_value());
    CHECK(*back == data);
  }
}

TEST_CASE("hex encodes lower case and decodes either case") {
  const common::bytes data = {0x00, 0x7f, 0xab, 0xff};
  CHECK(common::hex_encode(data) == "007fabff");
  CHECK(*common::hex_decode("007FABff") == data);
  CHECK(common::hex_decode("").value().empty());
}

TEST_CASE("hex refuses odd lengths and foreign characters") {
  CHECK(common::hex_decode("abc").error() == errc::hex_odd_length);
  CHECK(common::hex_decode("zz").error() == errc::hex_bad_character);
  CHECK(common::hex_decode("0x").error() == errc::hex_bad_character);
  CHECK(common::hex_decode(" 0").error() == errc::hex_bad_character);
}
