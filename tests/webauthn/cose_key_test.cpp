#include "webauthn/cose_key.hpp"

#include "builders.hpp"
#include "common/openssl.hpp"

#include <openssl/bn.h>

#include <doctest/doctest.h>

using test::bstr;
using test::bytes;
using test::integer;
using test::map;
using webauthn::cose_algorithm;
using webauthn::errc;

namespace {

errc parse_error(const bytes& data) {
  const auto r = webauthn::parse_cose_key(data);
  REQUIRE(r.has_error());
  return static_cast<errc>(r.error().value());
}

// An EC2 key map with its parts given one by one.
bytes ec2(std::int64_t alg, std::int64_t crv, const bytes& x, const bytes& y) {
  return map({{integer(1), integer(2)},
              {integer(3), integer(alg)},
              {integer(-1), integer(crv)},
              {integer(-2), bstr(x)},
              {integer(-3), bstr(y)}});
}

bytes rsa(std::int64_t alg, const bytes& n, const bytes& e) {
  return map({{integer(1), integer(3)},
              {integer(3), integer(alg)},
              {integer(-1), bstr(n)},
              {integer(-2), bstr(e)}});
}

struct ec_parts {
  bytes x, y;
};

ec_parts parts_of(EVP_PKEY* key) {
  const bytes point = test::ec_point(key);
  const std::size_t n = (point.size() - 1) / 2;
  return {bytes(point.begin() + 1, point.begin() + 1 + static_cast<long>(n)),
          bytes(point.begin() + 1 + static_cast<long>(n), point.end())};
}

// An odd 2048-bit "modulus" with no small factors is not needed: the
// length and exponent checks come before OpenSSL sees the number.
bytes modulus(std::size_t bytes_long) {
  bytes n(bytes_long, 0xC5);
  n.back() = 0xC7;
  return n;
}

}  // namespace

TEST_CASE("valid_ec2_keys_for_every_curve") {
  const struct {
    const char* curve;
    std::int64_t alg, crv;
  } cases[] = {{"P-256", -7, 1}, {"P-384", -35, 2}, {"P-521", -36, 3}};
  for (const auto& c : cases) {
    CAPTURE(c.curve);
    const auto key = test::ec_key(c.curve);
    const auto parsed =
        webauthn::parse_cose_key(test::ec_cose(key.get(), c.alg, c.crv));
    REQUIRE(parsed);
    CHECK(static_cast<int>(parsed->algorithm) == c.alg);
    CHECK(parsed->type == webauthn::cose_key_type::ec2);
    CHECK(static_cast<std::int64_t>(*parsed->curve) == c.crv);
    CHECK(EVP_PKEY_eq(parsed->key.get(), key.get()) == 1);
  }
}

TEST_CASE("valid_okp_keys_for_ed25519_and_ed448") {
  const auto ed25519 = test::raw_key("ED25519");
  const auto ed448 = test::raw_key("ED448");
  for (const auto& [key, alg, crv] :
       {std::tuple{ed25519.get(), -8, 6}, std::tuple{ed25519.get(), -19, 6},
        std::tuple{ed448.get(), -8, 7}, std::tuple{ed448.get(), -53, 7}}) {
    CAPTURE(alg);
    const auto parsed = webauthn::parse_cose_key(test::okp_cose(key, alg, crv));
    REQUIRE(parsed);
    CHECK(parsed->type == webauthn::cose_key_type::okp);
    CHECK(EVP_PKEY_eq(parsed->key.get(), key) == 1);
  }
}

TEST_CASE("valid_rsa_keys_for_rs256_and_ps256") {
  const auto key = test::rsa_key(2048);
  for (const std::int64_t alg : {-257, -37}) {
    const auto parsed =
        webauthn::parse_cose_key(test::rsa_cose(key.get(), alg));
    REQUIRE(parsed);
    CHECK(parsed->type == webauthn::cose_key_type::rsa);
    CHECK_FALSE(parsed->curve);
    CHECK(EVP_PKEY_eq(parsed->key.get(), key.get()) == 1);
  }
}

TEST_CASE("valid_key_with_kid_is_accepted") {
  const auto key = test::ec_key("P-256");
  const auto p = parts_of(key.get());
  const bytes data = map({{integer(1), integer(2)},
                          {integer(2), bstr(test::hex("0102"))},
                          {integer(3), integer(-7)},
                          {integer(-1), integer(1)},
                          {integer(-2), bstr(p.x)},
                          {integer(-3), bstr(p.y)}});
  CHECK(webauthn::parse_cose_key(data));
}

TEST_CASE("junk_algorithm_unsupported") {
  const auto key = test::ec_key("P-256");
  CHECK(parse_error(test::ec_cose(key.get(), -47, 1)) ==
        errc::cose_key_algorithm_unsupported);
  CHECK(parse_error(test::ec_cose(key.get(), -65535, 1)) ==
        errc::cose_key_algorithm_unsupported);
  CHECK(webauthn::to_cose_algorithm(1).error() ==
        errc::cose_key_algorithm_unsupported);
}

TEST_CASE("junk_kty_alg_crv_disagree") {
  const auto p256 = test::ec_key("P-256");
  const auto p = parts_of(p256.get());
  CHECK(parse_error(ec2(-35, 1, p.x, p.y)) ==
        errc::cose_key_parameters_mismatch);
  CHECK(parse_error(ec2(-7, 2, p.x, p.y)) ==
        errc::cose_key_parameters_mismatch);
  CHECK(parse_error(ec2(-257, 1, p.x, p.y)) ==
        errc::cose_key_parameters_mismatch);
  const auto ed = test::raw_key("ED25519");
  CHECK(parse_error(test::okp_cose(ed.get(), -7, 6)) ==
        errc::cose_key_parameters_mismatch);
  CHECK(parse_error(test::okp_cose(ed.get(), -8, 1)) ==
        errc::cose_key_parameters_mismatch);
  CHECK(parse_error(test::okp_cose(ed.get(), -53, 6)) ==
        errc::cose_key_parameters_mismatch);
}

TEST_CASE("junk_coordinates_of_the_wrong_length") {
  const auto key = test::ec_key("P-256");
  auto p = parts_of(key.get());
  bytes short_x(p.x.begin() + 1, p.x.end());
  CHECK(parse_error(ec2(-7, 1, short_x, p.y)) == errc::cose_key_bad_length);
  bytes long_y = p.y;
  long_y.insert(long_y.begin(), 0);
  CHECK(parse_error(ec2(-7, 1, p.x, long_y)) == errc::cose_key_bad_length);
  const bytes ed_x(31, 1);
  CHECK(parse_error(map({{integer(1), integer(1)},
                         {integer(3), integer(-8)},
                         {integer(-1), integer(6)},
                         {integer(-2), bstr(ed_x)}})) ==
        errc::cose_key_bad_length);
}

TEST_CASE("junk_point_not_on_curve") {
  const auto key = test::ec_key("P-256");
  auto p = parts_of(key.get());
  p.y.back() ^= 1;
  CHECK(parse_error(ec2(-7, 1, p.x, p.y)) == errc::cose_key_point_not_on_curve);
  CHECK(parse_error(ec2(-7, 1, bytes(32, 0), bytes(32, 0))) ==
        errc::cose_key_point_not_on_curve);
  // Coordinates at or above the field prime.
  CHECK(parse_error(ec2(-7, 1, bytes(32, 0xFF), p.y)) ==
        errc::cose_key_point_not_on_curve);
}

TEST_CASE("junk_rsa_parameters") {
  CHECK(parse_error(rsa(-257, modulus(255), test::hex("010001"))) ==
        errc::cose_key_rsa_too_small);
  CHECK(parse_error(rsa(-257, modulus(256), test::hex("010000"))) ==
        errc::cose_key_rsa_bad_exponent);
  CHECK(parse_error(rsa(-257, modulus(256), test::hex("01"))) ==
        errc::cose_key_rsa_bad_exponent);
  bytes padded = modulus(256);
  padded.insert(padded.begin(), 0);
  CHECK(parse_error(rsa(-257, padded, test::hex("010001"))) ==
        errc::cose_key_bad_length);
  CHECK(parse_error(rsa(-257, modulus(1025), test::hex("010001"))) ==
        errc::cose_key_bad_length);
  CHECK(parse_error(rsa(-257, modulus(256), bytes{})) ==
        errc::cose_key_bad_length);
  // Even modulus, and one with a small factor: no RSA modulus is either.
  bytes even = modulus(256);
  even.back() = 0xC6;
  CHECK(parse_error(rsa(-257, even, test::hex("010001"))) ==
        errc::cose_key_malformed);
  // 997 * (2^2037 + 1): odd, 256 bytes long, divisible by 997.
  const common::ossl::bignum base(BN_new());
  REQUIRE(BN_set_bit(base.get(), 2037) == 1);
  REQUIRE(BN_add_word(base.get(), 1) == 1);
  REQUIRE(BN_mul_word(base.get(), 997) == 1);
  REQUIRE(BN_num_bytes(base.get()) == 256);
  bytes multiple(256);
  REQUIRE(BN_bn2binpad(base.get(), multiple.data(), 256) == 256);
  CHECK(parse_error(rsa(-257, multiple, test::hex("010001"))) ==
        errc::cose_key_malformed);
}

TEST_CASE("no_private_key_material") {
  const auto key = test::ec_key("P-256");
  const auto p = parts_of(key.get());
  CHECK(parse_error(map({{integer(1), integer(2)},
                         {integer(3), integer(-7)},
                         {integer(-1), integer(1)},
                         {integer(-2), bstr(p.x)},
                         {integer(-3), bstr(p.y)},
                         {integer(-4), bstr(bytes(32, 1))}})) ==
        errc::cose_key_private_part);
  CHECK(parse_error(map({{integer(1), integer(3)},
                         {integer(3), integer(-257)},
                         {integer(-1), bstr(modulus(256))},
                         {integer(-2), bstr(test::hex("010001"))},
                         {integer(-3), bstr(modulus(256))}})) ==
        errc::cose_key_private_part);
}

TEST_CASE("junk_maps_are_malformed") {
  const auto key = test::ec_key("P-256");
  const auto p = parts_of(key.get());
  CHECK(parse_error(test::hex("80")) == errc::cose_key_malformed);
  // No kty, no alg, no x, text label, unknown label, y as a boolean.
  CHECK(parse_error(map({{integer(3), integer(-7)}})) ==
        errc::cose_key_malformed);
  CHECK(parse_error(map({{integer(1), integer(2)}})) ==
        errc::cose_key_malformed);
  CHECK(parse_error(map({{integer(1), integer(2)},
                         {integer(3), integer(-7)},
                         {integer(-1), integer(1)},
                         {integer(-3), bstr(p.y)}})) ==
        errc::cose_key_malformed);
  CHECK(parse_error(map({{test::tstr("kty"), integer(2)}})) ==
        errc::cose_key_malformed);
  CHECK(parse_error(map({{integer(1), integer(2)},
                         {integer(3), integer(-7)},
                         {integer(9), integer(0)}})) ==
        errc::cose_key_malformed);
  CHECK(parse_error(map({{integer(1), integer(2)},
                         {integer(3), integer(-7)},
                         {integer(-1), integer(1)},
                         {integer(-2), bstr(p.x)},
                         {integer(-3), test::hex("f5")}})) ==
        errc::cose_key_malformed);
  CHECK(parse_error(map(
            {{integer(1), test::tstr("EC2")}, {integer(3), integer(-7)}})) ==
        errc::cose_key_malformed);
}

TEST_CASE("junk_cbor_errors_pass_through") {
  CHECK(parse_error(test::hex("a5")) == errc::cbor_truncated);
  CHECK(parse_error(test::hex("a0a0")) == errc::cbor_trailing_bytes);
}

TEST_CASE("algorithm_names") {
  CHECK(webauthn::to_string(cose_algorithm::es256) == "ES256");
  CHECK(webauthn::to_string(cose_algorithm::eddsa) == "EdDSA");
  CHECK(webauthn::to_string(cose_algorithm::ed25519) == "Ed25519");
  CHECK(webauthn::to_string(cose_algorithm::ed448) == "Ed448");
  CHECK(webauthn::to_string(cose_algorithm::es384) == "ES384");
  CHECK(webauthn::to_string(cose_algorithm::es512) == "ES512");
  CHECK(webauthn::to_string(cose_algorithm::ps256) == "PS256");
  CHECK(webauthn::to_string(cose_algorithm::rs256) == "RS256");
  CHECK(webauthn::to_cose_algorithm(-257).value() == cose_algorithm::rs256);
}
