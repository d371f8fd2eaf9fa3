#include "webauthn/attestation_object.hpp"

#include "builders.hpp"

#include <doctest/doctest.h>

using test::bytes;
using test::hex;
using test::map;
using test::tstr;
using webauthn::errc;

namespace {

const bytes kAuthData = test::filled(37, 0x05);

bytes object(const bytes& fmt, const bytes& statement, const bytes& data) {
  return map({{tstr("fmt"), fmt},
              {tstr("attStmt"), statement},
              {tstr("authData"), data}});
}

errc parse_error(const bytes& data) {
  const auto r = webauthn::parse_attestation_object(data);
  REQUIRE(r.has_error());
  return static_cast<errc>(r.error().value());
}

}  // namespace

TEST_CASE("valid_none_attestation_object") {
  const auto parsed = webauthn::parse_attestation_object(
      object(tstr("none"), map({}), test::bstr(kAuthData)));
  REQUIRE(parsed);
  CHECK(parsed->fmt == "none");
  REQUIRE(parsed->statement);
  CHECK(cbor_isa_map(parsed->statement.get()));
  CHECK(cbor_map_size(parsed->statement.get()) == 0);
  CHECK(parsed->auth_data == kAuthData);
}

TEST_CASE("valid_members_in_any_order_and_statement_kept") {
  const bytes statement = map({{tstr("alg"), test::integer(-7)},
                               {tstr("sig"), test::bstr(hex("3006"))}});
  const bytes data = map({{tstr("authData"), test::bstr(kAuthData)},
                          {tstr("attStmt"), statement},
                          {tstr("fmt"), tstr("packed")}});
  const auto parsed = webauthn::parse_attestation_object(data);
  REQUIRE(parsed);
  CHECK(parsed->fmt == "packed");
  const auto alg = webauthn::cbor_map_get(parsed->statement.get(), "alg");
  REQUIRE(alg);
  CHECK(webauthn::cbor_int(*alg).value() == -7);
}

TEST_CASE("junk_shapes_are_malformed") {
  const bytes good_fmt = tstr("none");
  const bytes good_stmt = map({});
  const bytes good_data = test::bstr(kAuthData);
  CHECK(parse_error(hex("a0")) == errc::attestation_object_malformed);
  CHECK(parse_error(hex("80")) == errc::attestation_object_malformed);
  CHECK(parse_error(object(test::integer(1), good_stmt, good_data)) ==
        errc::attestation_object_malformed);
  CHECK(parse_error(object(good_fmt, hex("80"), good_data)) ==
        errc::attestation_object_malformed);
  CHECK(parse_error(object(good_fmt, good_stmt, tstr("x"))) ==
        errc::attestation_object_malformed);
  // An extra member, a missing one, and a foreign name.
  CHECK(parse_error(map({{tstr("fmt"), good_fmt},
                         {tstr("attStmt"), good_stmt},
                         {tstr("authData"), good_data},
                         {tstr("extra"), good_fmt}})) ==
        errc::attestation_object_malformed);
  CHECK(parse_error(
            map({{tstr("fmt"), good_fmt}, {tstr("attStmt"), good_stmt}})) ==
        errc::attestation_object_malformed);
  CHECK(parse_error(map({{tstr("fmt"), good_fmt},
                         {tstr("attStmt"), good_stmt},
                         {tstr("authdata"), good_data}})) ==
        errc::attestation_object_malformed);
  CHECK(parse_error(map({{test::integer(1), good_fmt},
                         {tstr("attStmt"), good_stmt},
                         {tstr("authData"), good_data}})) ==
        errc::attestation_object_malformed);
}

TEST_CASE("junk_cbor_errors_pass_through") {
  const bytes good = object(tstr("none"), map({}), test::bstr(kAuthData));
  bytes trailing = good;
  trailing.push_back(0);
  CHECK(parse_error(trailing) == errc::cbor_trailing_bytes);
  CHECK(parse_error(hex("9affffffff")) == errc::cbor_truncated);
  CHECK(parse_error(map({{tstr("fmt"), tstr("none")},
                         {tstr("fmt"), tstr("none")},
                         {tstr("authData"), test::bstr(kAuthData)}})) ==
        errc::cbor_duplicate_key);
  CHECK(parse_error(hex("bf")) == errc::cbor_indefinite_length);
}
