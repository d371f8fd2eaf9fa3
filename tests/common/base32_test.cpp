#include "common/base32.hpp"

#include <doctest/doctest.h>

using common::as_bytes;
using common::base32_decode;
using common::base32_encode;
using common::errc;

namespace {

std::string decoded_text(std::string_view encoded) {
  const auto r = base32_decode(encoded);
  REQUIRE(r.has_value());
  return std::string(common::as_text(*r));
}

common::error_code decode_error(std::string_view encoded) {
  const auto r = base32_decode(encoded);
  REQUIRE(r.has_error());
  return r.error();
}

}  // namespace

TEST_CASE("base32 matches the RFC 4648 section 10 vectors") {
  // Unpadded here; the padded spellings are checked below.
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},
      {"f", "MY"},
      {"fo", "MZXQ"},
      {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CAPTURE(plain);
    CHECK(base32_encode(as_bytes(plain)) == encoded);
    CHECK(decoded_text(encoded) == plain);
  }
}

TEST_CASE("base32 accepts the exact padding of RFC 4648") {
  CHECK(decoded_text("MY======") == "f");
  CHECK(decoded_text("MZXQ====") == "fo");
  CHECK(decoded_text("MZXW6===") == "foo");
  CHECK(decoded_text("MZXW6YQ=") == "foob");
  CHECK(decoded_text("MZXW6YTB") == "fooba");
  CHECK(decoded_text("MZXW6YTBOI======") == "foobar");
}

TEST_CASE("base32 accepts lower and mixed case") {
  CHECK(decoded_text("mzxw6ytboi") == "foobar");
  CHECK(decoded_text("MzXw6YtBoI") == "foobar");
  CHECK(decoded_text("my======") == "f");
}

TEST_CASE("base32 round-trips every length up to 70 bytes") {
  common::bytes data;
  for (int n = 0; n <= 70; ++n) {
    CAPTURE(n);
    const std::string text = base32_encode(data);
    CHECK(text.find('=') == std::string::npos);
    const auto back = base32_decode(text);
    REQUIRE(back.has_value());
    CHECK(*back == data);
    data.push_back(static_cast<std::uint8_t>(n * 37 + 11));
  }
}

TEST_CASE("base32 refuses characters outside its alphabet") {
  CHECK(decode_error("MZXW6YT0") == errc::base32_bad_character);
  CHECK(decode_error("MZXW6YT1") == errc::base32_bad_character);
  CHECK(decode_error("MZXW6YT8") == errc::base32_bad_character);
  CHECK(decode_error("MZXW 6YTB") == errc::base32_bad_character);
  CHECK(decode_error("MZXW-6YTB") == errc::base32_bad_character);
  CHECK(decode_error("MZXW6YTB\n") == errc::base32_bad_character);
  CHECK(decode_error(" MZXW6YTB") == errc::base32_bad_character);
  CHECK(decode_error("MZXW6YT+") == errc::base32_bad_character);
  CHECK(decode_error(std::string_view("MZ\0W6YTB", 8)) ==
        errc::base32_bad_character);
  CHECK(decode_error("MZXW6YT\xc3\xa9") == errc::base32_bad_character);
}

TEST_CASE("base32 refuses padding of the wrong amount or place") {
  CHECK(decode_error("MY=") == errc::base32_bad_padding);
  CHECK(decode_error("MY=====") == errc::base32_bad_padding);
  CHECK(decode_error("MY=======") == errc::base32_bad_padding);
  CHECK(decode_error("MZXW6YTB========") == errc::base32_bad_padding);
  CHECK(decode_error("========") == errc::base32_bad_padding);
  CHECK(decode_error("MY==MY==") == errc::base32_bad_padding);
  CHECK(decode_error("=MZXW6YT") == errc::base32_bad_padding);
}

TEST_CASE("base32 refuses lengths that end inside a byte") {
  CHECK(decode_error("M") == errc::base32_bad_length);
  CHECK(decode_error("MZX") == errc::base32_bad_length);
  CHECK(decode_error("MZXW6Y") == errc::base32_bad_length);
  CHECK(decode_error("MZXW6YTBO") == errc::base32_bad_length);
  CHECK(decode_error("M=======") == errc::base32_bad_length);
}

TEST_CASE("base32 refuses non-zero bits after the last byte") {
  // "MY" is 'f'; "MZ" carries a stray bit in its last character.
  CHECK(decode_error("MZ") == errc::base32_noncanonical_tail);
  CHECK(decode_error("MZXR") == errc::base32_noncanonical_tail);
  CHECK(decode_error("MZXW7") == errc::base32_noncanonical_tail);
  CHECK(decode_error("MZXW6YR") == errc::base32_noncanonical_tail);
  CHECK(decode_error("mz======") == errc::base32_noncanonical_tail);
}
