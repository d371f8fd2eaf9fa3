#include "server/usernames.hpp"

#include <doctest/doctest.h>

using server::api_error;
using server::check_display_name;
using server::normalize_username;

namespace {

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i)
    out += piece;
  return out;
}

// The value of a result that must have one.
std::string accepted(const server::api_result<std::string>& r) {
  REQUIRE(r.has_value());
  return *r;
}

void check_username_refused(std::string_view input) {
  const auto r = normalize_username(input);
  REQUIRE(r.has_error());
  CHECK(r.error().code == api_error::username_invalid);
  CHECK(r.error().member == "username");
}

void check_display_name_refused(std::string_view input) {
  const auto r = check_display_name(input);
  REQUIRE(r.has_error());
  CHECK(r.error().code == api_error::display_name_invalid);
  CHECK(r.error().member == "displayName");
}

}  // namespace

TEST_CASE("usernames fold ASCII letters to lower case") {
  CHECK(accepted(normalize_username("Alice")) == "alice");
  CHECK(accepted(normalize_username("ALICE@Example.COM")) ==
        "alice@example.com");
  CHECK(accepted(normalize_username("alice")) == "alice");
}

TEST_CASE("usernames are trimmed of spaces at both ends") {
  CHECK(accepted(normalize_username("  bob  ")) == "bob");
  CHECK(accepted(normalize_username(" Bob")) == "bob");
  // Only spaces are trimmed: a tab stays, and is refused.
  check_username_refused("\tbob");
  check_username_refused("bob\n");
}

TEST_CASE("usernames take letters, digits and . _ @ + - only") {
  CHECK(accepted(normalize_username("a.b_c@d+e-f0129")) == "a.b_c@d+e-f0129");
  for (const char* bad : {"a b", "alice!", "a/b", "a:b", "a\\b", "a\"b", "a'b",
                          "a,b", "a;b", "a\tb", "al\xC2\xA0ice", "\xC3\xA5lice",
                          "\xEF\xBC\xA1lice", "a\xE2\x80\x8B"}) {
    CAPTURE(bad);
    check_username_refused(bad);
  }
  // An embedded NUL is a character like any other, and refused.
  check_username_refused(std::string_view("a\0b", 3));
}

TEST_CASE("usernames are 1 to 64 characters") {
  const auto longest = repeat("a", 64);
  CHECK(accepted(normalize_username(longest)) == longest);
  CHECK(accepted(normalize_username("  " + longest + "  ")) == longest);
  CHECK(accepted(normalize_username("x")) == "x");
  check_username_refused(repeat("a", 65));
  check_username_refused("");
  check_username_refused("   ");
}

TEST_CASE("display names are trimmed free text") {
  CHECK(accepted(check_display_name("  Alice Smith  ")) == "Alice Smith");
  CHECK(accepted(check_display_name("Zo\xC3\xAB O'Brien-M\xC3\xBCller")) ==
        "Zo\xC3\xAB O'Brien-M\xC3\xBCller");
  CHECK(check_display_name("\xE6\x9D\x8E\xE5\xB0\x8F\xE9\xBE\x8D").has_value());
}

TEST_CASE("display names count code points, not bytes") {
  // Two-byte and four-byte characters: 64 of them are allowed.
  CHECK(check_display_name(repeat("\xC3\xA9", 64)).has_value());
  CHECK(check_display_name(repeat("\xF0\x9F\x98\x80", 64)).has_value());
  CHECK(check_display_name(repeat("a", 64)).has_value());
  check_display_name_refused(repeat("\xC3\xA9", 65));
  check_display_name_refused(repeat("\xF0\x9F\x98\x80", 65));
  check_display_name_refused(repeat("a", 65));
  // Spaces trimmed away do not count.
  CHECK(check_display_name(" " + repeat("a", 64) + " ").has_value());
}

TEST_CASE("empty display names are refused") {
  check_display_name_refused("");
  check_display_name_refused("    ");
}

TEST_CASE("display names with control characters are refused") {
  for (const char* bad : {"a\tb", "a\nb", "a\rb", "\x01", "a\x1F", "a\x7F"}) {
    CAPTURE(bad);
    check_display_name_refused(bad);
  }
  check_display_name_refused(std::string_view("a\0b", 3));
  // C1 controls: next line (U+0085) and the control sequence introducer.
  check_display_name_refused(
      "a\xC2\x85"
      "b");
  check_display_name_refused("\xC2\x9B");
  // The first character after them is fine.
  CHECK(server::check_display_name("a\xC2\xA0"
                                   "b")
            .has_value());
}

TEST_CASE("display names that are not valid UTF-8 are refused") {
  for (const char* bad : {
           "\xC3",              // truncated
           "a\xC3(",            // a lead byte without its continuation
           "\x80",              // a lone continuation byte
           "\xC0\xAF",          // overlong
           "\xED\xA0\x80",      // a UTF-16 surrogate
           "\xF4\x90\x80\x80",  // above U+10FFFF
           "\xFF",
       }) {
    CAPTURE(bad);
    check_display_name_refused(bad);
  }
}
