#include "webauthn/json_reader.hpp"

#include <doctest/doctest.h>

#include <string>

using webauthn::errc;

namespace {

constexpr std::size_t kDepth = 16;

bool reads(std::string_view text) {
  return webauthn::read_json(text, kDepth, errc::json_malformed).has_value();
}

errc refusal(std::string_view text) {
  const auto r = webauthn::read_json(text, kDepth, errc::client_data_malformed);
  REQUIRE(r.has_error());
  return static_cast<errc>(r.error().value());
}

}  // namespace

TEST_CASE("valid_values_of_every_kind") {
  const auto r = webauthn::read_json(
      R"({"s":"t\u00e9","i":-3,"u":18446744073709551615,"d":1.5,)"
      R"("b":true,"n":null,"a":[1,{"x":{}}],"o":{"p":[]}})",
      kDepth, errc::json_malformed);
  REQUIRE(r);
  const auto& object = r->as_object();
  CHECK(*webauthn::string_member(object, "s") == "t\xC3\xA9");
  CHECK(webauthn::find_member(object, "absent") == nullptr);
  CHECK(webauthn::string_member(object, "absent").error() ==
        errc::json_missing_member);
  CHECK(webauthn::string_member(object, "i").error() == errc::json_wrong_type);
  CHECK(reads("  [] \n"));
  CHECK(reads("7"));
}

TEST_CASE("junk_text_names_the_callers_reason") {
  for (const char* text :
       {"", "{", "{}x", "{} {}", "[1,]", R"({"a":1,})", "/* c */ {}", "{} // c",
        "NaN", "01", "'a'", R"({a:1})", R"(["\ud800"])", R"(["\udc00\ud800"])",
        "[\"\xC3\x28\"]", "[\"\xED\xA0\x80\"]", "[\"a\x01\"]"}) {
    CAPTURE(text);
    CHECK(refusal(text) == errc::client_data_malformed);
  }
}

TEST_CASE("junk_repeated_member_names_anywhere") {
  CHECK(refusal(R"({"a":1,"a":1})") == errc::client_data_malformed);
  CHECK(refusal(R"({"a":1,"\u0061":2})") == errc::client_data_malformed);
  // Deeper, after siblings, and inside arrays: each object is counted on
  // its own, whatever comes before it.
  CHECK(refusal(R"({"x":{"y":{}},"z":{"k":1,"k":2}})") ==
        errc::client_data_malformed);
  CHECK(refusal(R"([{}, [{"q":[]}], {"k":1,"j":2,"k":3}])") ==
        errc::client_data_malformed);
  CHECK(refusal(R"({"a":{"b":{"c":{"d":1,"d":1}}}})") ==
        errc::client_data_malformed);
  // A repeat whose first value held objects of its own.
  CHECK(refusal(R"({"a":{"b":{}},"a":{},"c":{"e":1}})") ==
        errc::client_data_malformed);
  // The same names in different objects are no repeat.
  CHECK(reads(R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]})"));
}

TEST_CASE("junk_nesting_beyond_the_bound") {
  CHECK(reads(std::string(16, '[') + std::string(16, ']')));
  CHECK(refusal(std::string(17, '[') + std::string(17, ']')) ==
        errc::client_data_malformed);
  CHECK(refusal(std::string(100000, '[')) == errc::client_data_malformed);
  std::string objects;
  for (int i = 0; i < 17; ++i)
    objects += R"({"a":)";
  objects += "1" + std::string(17, '}');
  CHECK(refusal(objects) == errc::client_data_malformed);
}

TEST_CASE("valid_conversion_keeps_every_value") {
  const std::string text =
      R"({"credProps":{"rk":true},"n":null,"list":[1,-2,2.5,"s",false],)"
      R"("big":18446744073709551615})";
  const auto r = webauthn::read_json(text, kDepth, errc::json_malformed);
  REQUIRE(r);
  CHECK(webauthn::to_nlohmann(*r) == nlohmann::json::parse(text));
}
