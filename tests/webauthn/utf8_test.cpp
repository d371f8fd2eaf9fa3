#include "webauthn/utf8.hpp"

#include "builders.hpp"

#include <doctest/doctest.h>

using webauthn::utf8_valid_prefix;

namespace {

std::size_t prefix_of_hex(std::string_view text) {
  return utf8_valid_prefix(test::hex(text));
}

}  // namespace

TEST_CASE("valid_utf8_is_accepted_whole") {
  CHECK(utf8_valid_prefix(common::as_bytes("")) == 0);
  CHECK(utf8_valid_prefix(common::as_bytes("plain ascii")) == 11);
  CHECK(prefix_of_hex("c2a9") == 2);      // U+00A9
  CHECK(prefix_of_hex("e282ac") == 3);    // U+20AC
  CHECK(prefix_of_hex("ed9fbf") == 3);    // U+D7FF, below surrogates
  CHECK(prefix_of_hex("ee8080") == 3);    // U+E000, above surrogates
  CHECK(prefix_of_hex("f09f9880") == 4);  // U+1F600
  CHECK(prefix_of_hex("f48fbfbf") == 4);  // U+10FFFF
}

TEST_CASE("junk_utf8_stops_the_prefix") {
  CHECK(prefix_of_hex("41c0af") == 1);    // overlong '/'
  CHECK(prefix_of_hex("41c1bf") == 1);    // overlong two-byte
  CHECK(prefix_of_hex("e08080") == 0);    // overlong three-byte
  CHECK(prefix_of_hex("f08fbfbf") == 0);  // overlong four-byte
  CHECK(prefix_of_hex("eda080") == 0);    // U+D800, a surrogate
  CHECK(prefix_of_hex("edbfbf") == 0);    // U+DFFF, a surrogate
  CHECK(prefix_of_hex("f4908080") == 0);  // above U+10FFFF
  CHECK(prefix_of_hex("f5808080") == 0);  // lead byte never valid
  CHECK(prefix_of_hex("80") == 0);        // lone continuation
  CHECK(prefix_of_hex("41e282") == 1);    // truncated at the end
  CHECK(prefix_of_hex("e24141") == 0);    // missing continuation
  CHECK(prefix_of_hex("ff") == 0);
}
