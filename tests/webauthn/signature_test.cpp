#include "webauthn/signature.hpp"

#include "builders.hpp"

#include <doctest/doctest.h>

#include <map>

using test::bytes;
using webauthn::cose_algorithm;
using webauthn::errc;

namespace {

const bytes kMessage = common::to_bytes("authenticator data || client hash");

errc verify_error(cose_algorithm alg, EVP_PKEY* key, const bytes& sig,
                  const bytes& message = kMessage) {
  const auto r = webauthn::verify_signature(alg, key, message, sig);
  REQUIRE(r.has_error());
  return static_cast<errc>(r.error().value());
}

std::map<std::string, bytes> read_vector(std::string_view name) {
  std::map<std::string, bytes> out;
  std::istringstream lines(test::read_data(name));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    const auto space = line.find(' ');
    out[line.substr(0, space)] = test::hex(line.substr(space + 1));
  }
  return out;
}

}  // namespace

TEST_CASE("valid_es256_vector_from_the_openssl_command_line") {
  auto v = read_vector("es256_openssl_cli.txt");
  const auto key = webauthn::parse_cose_key(v["cose_key"]);
  REQUIRE(key);
  CHECK(webauthn::verify_signature(cose_algorithm::es256, key->key.get(),
                                   v["message"], v["signature"]));
  v["message"].back() ^= 1;
  CHECK(verify_error(cose_algorithm::es256, key->key.get(), v["signature"],
                     v["message"]) == errc::signature_invalid);
}

TEST_CASE("valid_ecdsa_signatures_for_every_curve") {
  const struct {
    const char* curve;
    cose_algorithm alg;
    const EVP_MD* md;
  } cases[] = {{"P-256", cose_algorithm::es256, EVP_sha256()},
               {"P-384", cose_algorithm::es384, EVP_sha384()},
               {"P-521", cose_algorithm::es512, EVP_sha512()}};
  for (const auto& c : cases) {
    CAPTURE(c.curve);
    const auto key = test::ec_key(c.curve);
    const bytes sig = test::sign(key.get(), c.md, kMessage);
    CHECK(webauthn::verify_signature(c.alg, key.get(), kMessage, sig));
    bytes other = kMessage;
    other[0] ^= 1;
    CHECK(verify_error(c.alg, key.get(), sig, other) ==
          errc::signature_invalid);
  }
}

TEST_CASE("valid_eddsa_signatures") {
  for (const char* type : {"ED25519", "ED448"}) {
    CAPTURE(type);
    const auto key = test::raw_key(type);
    bytes sig = test::sign(key.get(), nullptr, kMessage);
    CHECK(webauthn::verify_signature(cose_algorithm::eddsa, key.get(), kMessage,
                                     sig));
    const auto specific = std::string_view(type) == "ED25519"
                              ? cose_algorithm::ed25519
                              : cose_algorithm::ed448;
    CHECK(webauthn::verify_signature(specific, key.get(), kMessage, sig));
    sig[10] ^= 1;
    CHECK(verify_error(cose_algorithm::eddsa, key.get(), sig) ==
          errc::signature_invalid);
    sig.pop_back();
    CHECK(verify_error(cose_algorithm::eddsa, key.get(), sig) ==
          errc::signature_malformed);
  }
}

TEST_CASE("valid_rsa_signatures_pkcs1_and_pss") {
  const auto key = test::rsa_key(2048);
  const bytes pkcs1 =
      test::sign(key.get(), EVP_sha256(), kMessage, RSA_PKCS1_PADDING);
  const bytes pss =
      test::sign(key.get(), EVP_sha256(), kMessage, RSA_PKCS1_PSS_PADDING);
  CHECK(webauthn::verify_signature(cose_algorithm::rs256, key.get(), kMessage,
                                   pkcs1));
  CHECK(webauthn::verify_signature(cose_algorithm::ps256, key.get(), kMessage,
                                   pss));
  // Each padding is refused under the other algorithm.
  CHECK(verify_error(cose_algorithm::rs256, key.get(), pss) ==
        errc::signature_invalid);
  CHECK(verify_error(cose_algorithm::ps256, key.get(), pkcs1) ==
        errc::signature_invalid);
  bytes short_sig = pkcs1;
  short_sig.pop_back();
  CHECK(verify_error(cose_algorithm::rs256, key.get(), short_sig) ==
        errc::signature_malformed);
}

TEST_CASE("junk_ecdsa_signatures_that_are_not_strict_der") {
  const auto key = test::ec_key("P-256");
  const bytes sig = test::sign(key.get(), EVP_sha256(), kMessage);
  const auto alg = cose_algorithm::es256;

  bytes trailing = sig;
  trailing.push_back(0);
  CHECK(verify_error(alg, key.get(), trailing) == errc::signature_malformed);
  // The same value with a long-form length where the short form fits.
  bytes long_form = {0x30, 0x81, sig[1]};
  long_form.insert(long_form.end(), sig.begin() + 2, sig.end());
  CHECK(verify_error(alg, key.get(), long_form) == errc::signature_malformed);
  // A redundant leading zero on r.
  const std::size_t r_size = sig[3];
  bytes padded = {0x30, static_cast<std::uint8_t>(sig[1] + 1), 0x02,
                  static_cast<std::uint8_t>(r_size + 1), 0x00};
  padded.insert(padded.end(), sig.begin() + 4, sig.end());
  CHECK(verify_error(alg, key.get(), padded) == errc::signature_malformed);
  // Raw r|s (the COSE form) is not DER.
  CHECK(verify_error(alg, key.get(), bytes(64, 0x11)) ==
        errc::signature_malformed);
  CHECK(verify_error(alg, key.get(), {}) == errc::signature_malformed);
  CHECK(verify_error(alg, key.get(), test::hex("3006020180020101")) ==
        errc::signature_malformed);  // negative r
  CHECK(verify_error(alg, key.get(), test::hex("3000")) ==
        errc::signature_malformed);
  CHECK(verify_error(alg, key.get(), test::hex("3006020100020100")) ==
        errc::signature_invalid);  // well-formed zeros: DER, but invalid
}

TEST_CASE("junk_key_of_the_wrong_kind_for_the_algorithm") {
  const auto ec = test::ec_key("P-256");
  const auto ed = test::raw_key("ED25519");
  const bytes sig = test::sign(ec.get(), EVP_sha256(), kMessage);
  CHECK(verify_error(cose_algorithm::eddsa, ec.get(), sig) ==
        errc::cose_key_parameters_mismatch);
  CHECK(verify_error(cose_algorithm::rs256, ec.get(), sig) ==
        errc::cose_key_parameters_mismatch);
  CHECK(verify_error(cose_algorithm::es256, ed.get(), sig) ==
        errc::cose_key_parameters_mismatch);
  CHECK(verify_error(cose_algorithm::ed448, ed.get(), sig) ==
        errc::cose_key_parameters_mismatch);
  CHECK(verify_error(cose_algorithm::es256, nullptr, sig) ==
        errc::cose_key_parameters_mismatch);
}
