// The trust step's options: the notBefore tolerance, CRLs (a revoked
// intermediate) and the SHA-1 policy, on the test CA's paths and through
// the registration ceremony.
#include "webauthn/policy.hpp"
#include "webauthn/registration.hpp"
#include "webauthn/trust.hpp"

#include "common/encoding.hpp"
#include "tests/support/attested_formats.hpp"
#include "tests/support/soft_authenticator.hpp"
#include "tests/support/test_ca.hpp"

#include <openssl/pem.h>

#include <doctest/doctest.h>

namespace ts = test_support;
using common::bytes;
using webauthn::errc;

namespace {

const common::time_point kDuringValidity =
    common::from_unix_seconds(1767225600);  // 2026-01-01

webauthn::trust_store store_with(const std::vector<bytes>& roots,
                                 const std::vector<bytes>& crls = {},
                                 const webauthn::trust_options& options = {}) {
  webauthn::trust_store store(options);
  for (const bytes& root : roots)
    REQUIRE(store.add_root(root).has_value());
  for (const bytes& crl : crls)
    REQUIRE(store.add_crl(crl).has_value());
  return store;
}

const webauthn::relying_party kRp{
    "localhost", {"http://localhost:8080"}, false, {}};

webauthn::result<webauthn::new_credential> verify(
    const ts::registration& reg, const webauthn::trust_store* trust) {
  webauthn::registration_expectation expect;
  expect.rp = &kRp;
  expect.challenge = reg.client.challenge.empty()
                         ? bytes{}
                         : *common::base64url_decode(reg.client.challenge);
  expect.algorithms = {webauthn::cose_algorithm::es256};
  expect.trust = trust;
  expect.now = kDuringValidity;
  const auto response = webauthn::parse_registration_response(reg.to_json());
  REQUIRE(response.has_value());
  return webauthn::verify_registration(*response, expect);
}

}  // namespace

TEST_CASE(
    "a leaf minted just now is accepted within the notBefore "
    "tolerance") {
  ts::cert_options cert;
  cert.not_before = kDuringValidity;
  const auto leaf = ts::make_attestation_cert(ts::test_root_ca(), cert);
  const auto store = store_with({ts::test_root_ca().der});
  using std::chrono::minutes;
  using std::chrono::seconds;

  CHECK(store.evaluate({leaf.der}, kDuringValidity - minutes(4)).trusted);
  CHECK(store.evaluate({leaf.der}, kDuringValidity - minutes(5)).trusted);
  const auto beyond =
      store.evaluate({leaf.der}, kDuringValidity - minutes(5) - seconds(2));
  CHECK_FALSE(beyond.trusted);
  CHECK(beyond.reason == "certificate is not yet valid");

  webauthn::trust_options strict;
  strict.not_before_tolerance = seconds(0);
  const auto exact = store_with({ts::test_root_ca().der}, {}, strict);
  CHECK(exact.evaluate({leaf.der}, kDuringValidity).trusted);
  CHECK_FALSE(exact.evaluate({leaf.der}, kDuringValidity - seconds(1)).trusted);
}

TEST_CASE("the notBefore tolerance is for the leaf only") {
  ts::cert_options ca;
  ca.organizational_unit = "Test Intermediates";
  ca.common_name = "Fresh Intermediate";
  ca.is_ca = true;
  ca.not_before = kDuringValidity;
  const auto intermediate = ts::make_attestation_cert(ts::test_root_ca(), ca);
  const auto leaf = ts::make_attestation_cert(intermediate);
  const auto store = store_with({ts::test_root_ca().der});
  const auto early = store.evaluate({leaf.der, intermediate.der},
                                    kDuringValidity - std::chrono::minutes(1));
  CHECK_FALSE(early.trusted);
  CHECK(early.reason == "certificate is not yet valid");
}

TEST_CASE(
    "a trusted path names every certificate, leaf first, then the "
    "anchor") {
  const auto intermediate =
      ts::make_intermediate_ca(ts::test_root_ca(), "Path Intermediate");
  const auto leaf = ts::make_attestation_cert(intermediate);
  const auto trust =
      store_with({ts::test_root_ca().der})
          .evaluate({leaf.der, intermediate.der}, kDuringValidity);
  REQUIRE(trust.trusted);
  REQUIRE(trust.path.size() == 3);
  CHECK(trust.path[0].find("CN=Latchkey Soft Authenticator") == 0);
  CHECK(trust.path[1].find("CN=Path Intermediate") == 0);
  CHECK(trust.path[2] == trust.anchor);
  CHECK(trust.refusal == errc::ok);
}

TEST_CASE("a revoked intermediate is refused once its CRL is configured") {
  const auto& root = ts::test_root_ca();
  const auto intermediate = ts::make_intermediate_ca(root, "Revoked CA");
  const auto leaf = ts::make_attestation_cert(intermediate);
  const std::vector<bytes> path = {leaf.der, intermediate.der};
  const bytes revoking = ts::make_crl(root, {&intermediate});
  const bytes clean_root = ts::make_crl(root, {});
  const bytes clean_intermediate = ts::make_crl(intermediate, {});

  SUBCASE("without CRLs the path is trusted") {
    CHECK(store_with({root.der}).evaluate(path, kDuringValidity).trusted);
  }
  SUBCASE("with the CRLs it is refused, naming the certificate") {
    const auto trust = store_with({root.der}, {revoking, clean_intermediate})
                           .evaluate(path, kDuringValidity);
    CHECK_FALSE(trust.trusted);
    CHECK(trust.refusal == errc::attestation_certificate_revoked);
    CHECK(trust.reason.find("certificate 1 of the path is revoked") == 0);
    CHECK(trust.reason.find("CN=Revoked CA") != std::string::npos);
  }
  SUBCASE("CRLs that revoke nothing keep it trusted") {
    const auto trust = store_with({root.der}, {clean_root, clean_intermediate})
                           .evaluate(path, kDuringValidity);
    CHECK(trust.trusted);
  }
  SUBCASE("once CRLs are on, a CA without one leaves the path untrusted") {
    const auto trust =
        store_with({root.der}, {revoking}).evaluate(path, kDuringValidity);
    CHECK_FALSE(trust.trusted);
    CHECK(trust.refusal == errc::ok);
    CHECK(trust.reason == "unable to get certificate CRL");
  }
  SUBCASE("the ceremony refuses the registration") {
    ts::registration_options options;
    options.format = ts::attestation_format::packed_x5c;
    options.issuer = &intermediate;
    auto reg = ts::make_registration(options);
    reg.statement.x5c.push_back(intermediate.der);
    reg.rebuild();
    const auto store = store_with({root.der}, {revoking, clean_intermediate});
    const auto r = verify(reg, &store);
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::attestation_certificate_revoked);
  }
}

TEST_CASE("CRLs are read from PEM or DER, and junk is crl_malformed") {
  const bytes der = ts::make_crl(ts::test_root_ca(), {});
  const unsigned char* p = der.data();
  const common::ossl::x509_crl crl(
      d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  REQUIRE(crl);
  const common::ossl::bio bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_X509_CRL(bio.get(), crl.get()) == 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  const std::string pem(data, static_cast<std::size_t>(size));

  webauthn::trust_store store;
  CHECK(store.add_crl(der).has_value());
  CHECK(store.add_crl(common::as_bytes(pem)).has_value());
  bytes with_tail = der;
  with_tail.push_back(0);
  for (const bytes& junk :
       {bytes{}, common::to_bytes("not a CRL"), with_tail,
        bytes(der.begin(), der.end() - 1), common::to_bytes(pem + pem)}) {
    const auto added = store.add_crl(junk);
    REQUIRE(added.has_error());
    CHECK(added.error() == errc::crl_malformed);
  }
}

TEST_CASE("SHA-1 certificates: tpm only by default, nowhere when strict") {
  ts::cert_options cert;
  cert.sha1_signature = true;
  const auto leaf = ts::make_attestation_cert(ts::test_root_ca(), cert);
  const auto store = store_with({ts::test_root_ca().der});

  const auto tpm = store.evaluate({leaf.der}, kDuringValidity, "tpm");
  CHECK(tpm.trusted);
  for (const char* fmt : {"packed", "fido-u2f", ""}) {
    CAPTURE(fmt);
    const auto other = store.evaluate({leaf.der}, kDuringValidity, fmt);
    CHECK_FALSE(other.trusted);
    CHECK(other.refusal == errc::attestation_sha1_refused);
    CHECK(other.reason == "certificate 0 of the path is signed with SHA-1");
  }

  webauthn::trust_options strict;
  strict.refuse_sha1 = true;
  const auto refused = store_with({ts::test_root_ca().der}, {}, strict)
                           .evaluate({leaf.der}, kDuringValidity, "tpm");
  CHECK_FALSE(refused.trusted);
  CHECK(refused.refusal == errc::attestation_sha1_refused);
}

TEST_CASE("a registration with a SHA-1 attestation certificate is refused") {
  ts::registration_options options;
  options.format = ts::attestation_format::packed_x5c;
  options.attestation_cert.sha1_signature = true;
  const auto reg = ts::make_registration(options);
  const auto store = store_with({ts::test_root_ca().der});
  const webauthn::trust_store* stores[] = {&store, nullptr};
  for (const webauthn::trust_store* trust : stores) {
    const auto r = verify(reg, trust);
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::attestation_sha1_refused);
  }
}

TEST_CASE("an RS1 statement signature is refused outside tpm") {
  auto reg =
      ts::make_registration({.format = ts::attestation_format::packed_self});
  reg.statement.alg = ts::cose_alg::rs1;
  reg.rebuild_unsigned();
  const auto r = verify(reg, nullptr);
  REQUIRE(r.has_error());
  CHECK(r.error() == errc::attestation_sha1_refused);
}

TEST_CASE("check_statement_sha1 follows the policy for tpm statements") {
  // {"alg": -65535}
  const bytes rs1 = {0xA1, 0x63, 'a', 'l', 'g', 0x39, 0xFF, 0xFE};
  // {"alg": -257}
  const bytes rs256 = {0xA1, 0x63, 'a', 'l', 'g', 0x39, 0x01, 0x00};
  const auto rs1_item = webauthn::cbor_decode(rs1);
  const auto rs256_item = webauthn::cbor_decode(rs256);
  REQUIRE(rs1_item.has_value());
  REQUIRE(rs256_item.has_value());
  webauthn::trust_options lenient;
  webauthn::trust_options strict;
  strict.refuse_sha1 = true;

  CHECK(webauthn::check_statement_sha1(rs1_item->get(), "tpm", lenient)
            .has_value());
  CHECK(webauthn::check_statement_sha1(rs1_item->get(), "packed", lenient)
            .error() == errc::attestation_sha1_refused);
  CHECK(
      webauthn::check_statement_sha1(rs1_item->get(), "tpm", strict).error() ==
      errc::attestation_sha1_refused);
  CHECK(webauthn::check_statement_sha1(rs256_item->get(), "packed", strict)
            .has_value());
  CHECK(webauthn::check_statement_sha1(nullptr, "tpm", strict).has_value());
}

// Through the ceremony ------------------------------------------------------

namespace {

webauthn::result<webauthn::new_credential> verify_under(
    const ts::registration& reg, const webauthn::trust_store& trust,
    const webauthn::registration_policy* policy = nullptr) {
  webauthn::registration_expectation expect;
  expect.rp = &kRp;
  expect.challenge = *common::base64url_decode(reg.client.challenge);
  expect.algorithms = {webauthn::cose_algorithm::es256,
                       webauthn::cose_algorithm::rs256};
  expect.trust = &trust;
  expect.now = kDuringValidity;
  expect.policy = policy;
  const auto response = webauthn::parse_registration_response(reg.to_json());
  REQUIRE(response.has_value());
  return webauthn::verify_registration(*response, expect);
}

}  // namespace

TEST_CASE("a tpm statement signed with RS1 registers unless SHA-1 is refused") {
  auto reg = ts::make_registration({.key = ts::key_type::rs256});
  ts::tpm_options options;
  options.aik.key = ts::key_type::rs256;
  options.alg = ts::cose_alg::rs1;
  ts::attest_tpm(reg, options);

  const auto lenient = store_with({ts::test_root_ca().der});
  const auto accepted = verify_under(reg, lenient);
  REQUIRE_MESSAGE(accepted.has_value(), accepted.error().message());
  CHECK(accepted->trust.trusted);

  webauthn::trust_options strict;
  strict.refuse_sha1 = true;
  const auto refused =
      verify_under(reg, store_with({ts::test_root_ca().der}, {}, strict));
  REQUIRE(refused.has_error());
  CHECK(refused.error() == errc::attestation_sha1_refused);
}

TEST_CASE("a registration's leaf from the near future: tolerance decides") {
  using std::chrono::minutes;
  const auto store = store_with({ts::test_root_ca().der});
  webauthn::registration_policy trusted_only;
  trusted_only.require_trusted_attestation = true;
  ts::registration_options options;
  options.format = ts::attestation_format::packed_x5c;

  options.attestation_cert.not_before = kDuringValidity + minutes(4);
  const auto within =
      verify_under(ts::make_registration(options), store, &trusted_only);
  REQUIRE_MESSAGE(within.has_value(), within.error().message());
  CHECK(within->trust.trusted);

  options.attestation_cert.not_before = kDuringValidity + minutes(6);
  const auto reg = ts::make_registration(options);
  const auto untrusted = verify_under(reg, store);
  REQUIRE(untrusted.has_value());
  CHECK_FALSE(untrusted->trust.trusted);
  CHECK(untrusted->trust.reason == "certificate is not yet valid");
  const auto refused = verify_under(reg, store, &trusted_only);
  REQUIRE(refused.has_error());
  CHECK(refused.error() == errc::attestation_not_trusted);
}
