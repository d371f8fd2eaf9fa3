#include "webauthn/cbor.hpp"

#include "builders.hpp"

#include <doctest/doctest.h>

using test::hex;
using webauthn::errc;

namespace {

errc prescan_error(const common::bytes& data) {
  const auto r = webauthn::cbor_prescan(data);
  REQUIRE(r.has_error());
  return static_cast<errc>(r.error().value());
}

common::bytes nested_arrays(std::size_t depth) {
  common::bytes out(depth, 0x81);  // array of one element
  out.push_back(0x00);
  return out;
}

}  // namespace

TEST_CASE("valid_items_pass_the_prescan") {
  for (const char* text : {"00",
                           "17",
                           "1818",
                           "1bffffffffffffffff",
                           "3bffffffffffffffff",
                           "40",
                           "4401020304",
                           "60",
                           "6449455446",
                           "80",
                           "83010203",
                           "a0",
                           "a201020304",
                           "c11a514b67b0",
                           "f4",
                           "f5",
                           "f6",
                           "f7",
                           "f820",
                           "f93c00",
                           "fa47c35000",
                           "fb3ff199999999999a",
                           "f0"}) {
    CAPTURE(text);
    CHECK(webauthn::cbor_prescan(hex(text)));
  }
}

TEST_CASE("junk_huge_declared_length_is_refused_without_allocating") {
  CHECK(prescan_error(hex("9affffffff")) == errc::cbor_truncated);
  CHECK(prescan_error(hex("5affffffff")) == errc::cbor_truncated);
  CHECK(prescan_error(hex("bbffffffffffffffff")) == errc::cbor_truncated);
  CHECK(prescan_error(hex("7b7fffffffffffffff")) == errc::cbor_truncated);
  // A map of two pairs needs at least four more bytes.
  CHECK(prescan_error(hex("a2010203")) == errc::cbor_truncated);
  CHECK(prescan_error(hex("")) == errc::cbor_truncated);
  CHECK(prescan_error(hex("19ff")) == errc::cbor_truncated);
  CHECK(prescan_error(hex("82010203")) == errc::cbor_trailing_bytes);
  CHECK(prescan_error(hex("8301")) == errc::cbor_truncated);
}

TEST_CASE("junk_indefinite_lengths_are_refused") {
  CHECK(prescan_error(hex("5f4101ff")) == errc::cbor_indefinite_length);
  CHECK(prescan_error(hex("7f6161ff")) == errc::cbor_indefinite_length);
  CHECK(prescan_error(hex("9f01ff")) == errc::cbor_indefinite_length);
  CHECK(prescan_error(hex("bf0102ff")) == errc::cbor_indefinite_length);
}

TEST_CASE("junk_reserved_and_break_values_are_refused") {
  CHECK(prescan_error(hex("1c")) == errc::cbor_reserved_value);
  CHECK(prescan_error(hex("3d")) == errc::cbor_reserved_value);
  CHECK(prescan_error(hex("5e")) == errc::cbor_reserved_value);
  CHECK(prescan_error(hex("f81f")) == errc::cbor_reserved_value);
  CHECK(prescan_error(hex("ff")) == errc::cbor_malformed);
  CHECK(prescan_error(hex("1f")) == errc::cbor_malformed);
  CHECK(prescan_error(hex("df00")) == errc::cbor_malformed);
}

TEST_CASE("junk_text_that_is_not_utf8_is_refused") {
  CHECK(prescan_error(hex("62c0af")) == errc::cbor_malformed);
  CHECK(prescan_error(hex("63eda080")) == errc::cbor_malformed);
}

TEST_CASE("nesting_is_limited_to_sixteen_levels") {
  CHECK(webauthn::cbor_prescan(nested_arrays(16)));
  CHECK(prescan_error(nested_arrays(17)) == errc::cbor_too_deep);
  common::bytes tags(17, 0xc1);
  tags.push_back(0x00);
  CHECK(prescan_error(tags) == errc::cbor_too_deep);
  CHECK(prescan_error(common::bytes(100000, 0x81)) == errc::cbor_too_deep);
}

TEST_CASE("duplicate_map_keys_are_refused") {
  CHECK(prescan_error(hex("a201000100")) == errc::cbor_duplicate_key);
  CHECK(prescan_error(hex("a2616100616100")) == errc::cbor_duplicate_key);
  // The same key in a longer encoding is still the same key, so that no
  // two readers can pick different copies: 3 and 3 in one extra byte,
  // "alg" and "alg" with a one-byte length field.
  CHECK(prescan_error(hex("a20100180100")) == errc::cbor_duplicate_key);
  CHECK(prescan_error(hex("a2636162630078036162630a")) ==
        errc::cbor_duplicate_key);
  CHECK(prescan_error(hex("a243010203005803010203f6")) ==
        errc::cbor_duplicate_key);
  // Equal bytes of another type, or the same magnitude with another sign,
  // are other keys.
  CHECK(webauthn::cbor_prescan(hex("a2410000610000")));
  CHECK(webauthn::cbor_prescan(hex("a201002000")));
  // Large maps are checked too, by sorting.
  common::bytes big = test::head(5, 20);
  for (int i = 0; i < 20; ++i) {
    const auto key = test::integer(i == 19 ? 3 : i);
    big.insert(big.end(), key.begin(), key.end());
    big.push_back(0xf6);
  }
  CHECK(prescan_error(big) == errc::cbor_duplicate_key);
  CHECK(webauthn::cbor_prescan(test::map(
      {{test::tstr("a"), test::map({})}, {test::tstr("b"), test::map({})}})));
}

TEST_CASE("item_length_ignores_what_follows") {
  const auto length = webauthn::cbor_item_length(hex("a1010202ffff"));
  REQUIRE(length);
  CHECK(*length == 3);
  CHECK(webauthn::cbor_item_length(hex("a101")).error() ==
        errc::cbor_truncated);
}

TEST_CASE("decode_gives_a_libcbor_item_and_accessors_read_it") {
  const auto data =
      test::map({{test::integer(1), test::integer(-7)},
                 {test::integer(-2), test::bstr(hex("0102"))},
                 {test::tstr("fmt"), test::tstr("none")},
                 {test::integer(7), test::hex("1bffffffffffffffff")},
                 {test::integer(8), test::hex("3b8000000000000000")},
                 {test::integer(9), test::hex("3b7fffffffffffffff")}});
  const auto item = webauthn::cbor_decode(data);
  REQUIRE(item);
  const cbor_item_t* map = item->get();

  CHECK(webauthn::cbor_int(webauthn::cbor_map_get(map, 1).value()).value() ==
        -7);
  const auto bytes =
      webauthn::cbor_bytes(webauthn::cbor_map_get(map, -2).value());
  REQUIRE(bytes);
  CHECK(common::bytes(bytes->begin(), bytes->end()) == hex("0102"));
  CHECK(
      webauthn::cbor_text(webauthn::cbor_map_get(map, "fmt").value()).value() ==
      "none");
  CHECK(webauthn::cbor_int(webauthn::cbor_map_get(map, 9).value()).value() ==
        INT64_MIN);

  CHECK(webauthn::cbor_map_get(map, 2).error() == errc::cbor_missing_key);
  CHECK(webauthn::cbor_map_get(map, "authData").error() ==
        errc::cbor_missing_key);
  const cbor_item_t* fmt = webauthn::cbor_map_get(map, "fmt").value();
  CHECK(webauthn::cbor_map_get(fmt, 1).error() == errc::cbor_unexpected_type);
  CHECK(webauthn::cbor_map_get(nullptr, "x").error() ==
        errc::cbor_unexpected_type);
  CHECK(webauthn::cbor_int(fmt).error() == errc::cbor_unexpected_type);
  CHECK(webauthn::cbor_bytes(fmt).error() == errc::cbor_unexpected_type);
  CHECK(webauthn::cbor_text(map).error() == errc::cbor_unexpected_type);
  CHECK(webauthn::cbor_int(webauthn::cbor_map_get(map, 7).value()).error() ==
        errc::cbor_unexpected_type);
  CHECK(webauthn::cbor_int(webauthn::cbor_map_get(map, 8).value()).error() ==
        errc::cbor_unexpected_type);
}

TEST_CASE("decode_refuses_what_the_prescan_refuses") {
  CHECK(webauthn::cbor_decode(hex("9affffffff")).error() ==
        errc::cbor_truncated);
  CHECK(webauthn::cbor_decode(hex("0000")).error() ==
        errc::cbor_trailing_bytes);
}
