// Certificate paths against trust anchors: the test CA's paths, then every
// packed and fido-u2f capture in ../shared/fixtures/webauthn against the
// root its README names.
#include "webauthn/trust.hpp"

#include "common/encoding.hpp"
#include "webauthn/attestation.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cose_key.hpp"

#include "tests/support/fixtures.hpp"
#include "tests/support/keys.hpp"
#include "tests/support/test_ca.hpp"

#include <openssl/pem.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace ts = test_support;
using common::bytes;
using webauthn::errc;

namespace {

// Inside the test root's and the default leaf's validity.
const common::time_point kDuringValidity =
    common::from_unix_seconds(1767225600);  // 2026-01-01

webauthn::trust_store store_with(std::initializer_list<bytes> roots) {
  webauthn::trust_store store;
  for (const bytes& root : roots)
    REQUIRE(store.add_root(root).has_value());
  return store;
}

std::string pem_of(const bytes& der) {
  const auto cert = ts::parse_certificate(der);
  REQUIRE(cert);
  const common::ossl::bio bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_X509(bio.get(), cert.get()) == 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// An intermediate under the test root, and a leaf under it.
struct two_level_path {
  ts::certificate intermediate;
  ts::certificate leaf;
};

two_level_path make_two_level_path() {
  ts::cert_options ca;
  ca.organizational_unit = "Test Intermediates";
  ca.common_name = "Latchkey Test Intermediate";
  ca.is_ca = true;
  two_level_path out{ts::make_attestation_cert(ts::test_root_ca(), ca), {}};
  out.leaf = ts::make_attestation_cert(out.intermediate);
  return out;
}

}  // namespace

TEST_CASE("test_ca_path_is_trusted_with_the_test_root") {
  const auto leaf = ts::make_attestation_cert(ts::test_root_ca());
  const auto store = store_with({ts::test_root_ca().der});
  const auto trust = store.evaluate({leaf.der}, kDuringValidity);
  CHECK(trust.trusted);
  CHECK(trust.anchor ==
        "CN=Latchkey Test Root CA,OU=Test Roots,"
        "O=Latchkey Test Authenticators,C=US");
  CHECK(trust.reason.empty());
}

TEST_CASE("path_through_an_intermediate_is_trusted_leaf_first") {
  const auto path = make_two_level_path();
  const auto store = store_with({ts::test_root_ca().der});
  CHECK(store.evaluate({path.leaf.der, path.intermediate.der}, kDuringValidity)
            .trusted);
  const auto missing = store.evaluate({path.leaf.der}, kDuringValidity);
  CHECK_FALSE(missing.trusted);
  CHECK(missing.reason == "unable to get local issuer certificate");
}

TEST_CASE("test_ca_path_is_untrusted_without_the_test_root") {
  const auto leaf = ts::make_attestation_cert(ts::test_root_ca());
  SUBCASE("no roots at all") {
    const webauthn::trust_store store;
    CHECK(store.size() == 0);
    const auto trust = store.evaluate({leaf.der}, kDuringValidity);
    CHECK_FALSE(trust.trusted);
    CHECK(trust.anchor.empty());
    CHECK_FALSE(trust.reason.empty());
  }
  SUBCASE("another root") {
    const auto other = ts::make_root_ca("Another Root");
    const auto trust =
        store_with({other.der}).evaluate({leaf.der}, kDuringValidity);
    CHECK_FALSE(trust.trusted);
    CHECK(trust.anchor.empty());
    CHECK(trust.reason == "unable to get local issuer certificate");
  }
}

TEST_CASE("test_ca_path_is_untrusted_outside_the_leaf_validity") {
  ts::cert_options cert;
  cert.not_before = common::from_unix_seconds(1735689600);  // 2025-01-01
  cert.not_after = common::from_unix_seconds(1767225600);   // 2026-01-01
  const auto leaf = ts::make_attestation_cert(ts::test_root_ca(), cert);
  const auto store = store_with({ts::test_root_ca().der});
  const auto inside = common::from_unix_seconds(1750000000);
  CHECK(store.evaluate({leaf.der}, inside).trusted);

  // Beyond the notBefore tolerance (trust_options_test.cpp tests within).
  const auto before =
      store.evaluate({leaf.der}, cert.not_before - std::chrono::minutes(5) -
                                     std::chrono::seconds(1));
  CHECK_FALSE(before.trusted);
  CHECK(before.reason == "certificate is not yet valid");

  const auto after =
      store.evaluate({leaf.der}, cert.not_after + std::chrono::seconds(1));
  CHECK_FALSE(after.trusted);
  CHECK(after.reason == "certificate has expired");
}

TEST_CASE("rsa_signature_declaring_unused_bits_still_has_to_verify") {
  // The encoding slip of early Yubico U2F certificates, made on purpose:
  // an RSA-signed leaf whose signature BIT STRING declares 2 unused bits.
  ts::cert_options ca;
  ca.organizational_unit = "Test Intermediates";
  ca.common_name = "Latchkey RSA Intermediate";
  ca.is_ca = true;
  ca.key = ts::key_type::rs256;
  const auto intermediate = ts::make_attestation_cert(ts::test_root_ca(), ca);
  auto leaf = ts::make_attestation_cert(intermediate).der;
  const auto size =
      static_cast<std::size_t>(EVP_PKEY_get_size(intermediate.key.pkey.get()));
  const std::size_t unused_bits_at = leaf.size() - size - 1;
  REQUIRE(leaf[unused_bits_at] == 0);
  leaf[unused_bits_at] = 2;
  const auto store = store_with({ts::test_root_ca().der});
  CHECK(store.evaluate({leaf, intermediate.der}, kDuringValidity).trusted);

  leaf[unused_bits_at + 10] ^= 0x01;
  const auto changed =
      store.evaluate({leaf, intermediate.der}, kDuringValidity);
  CHECK_FALSE(changed.trusted);
  CHECK(changed.reason == "certificate signature failure");
}

TEST_CASE("empty_or_unparsable_path_is_untrusted_with_a_reason") {
  const auto store = store_with({ts::test_root_ca().der});
  const auto empty = store.evaluate({}, kDuringValidity);
  CHECK_FALSE(empty.trusted);
  CHECK_FALSE(empty.reason.empty());

  const auto leaf = ts::make_attestation_cert(ts::test_root_ca());
  const auto garbage =
      store.evaluate({leaf.der, bytes{0x30, 0x00}}, kDuringValidity);
  CHECK_FALSE(garbage.trusted);
  CHECK(garbage.reason == "certificate 1 of the path cannot be parsed");
}

TEST_CASE("roots_are_accepted_as_pem_or_der") {
  const auto leaf = ts::make_attestation_cert(ts::test_root_ca());
  webauthn::trust_store store;
  REQUIRE(store.add_root(common::as_bytes(pem_of(ts::test_root_ca().der)))
              .has_value());
  CHECK(store.size() == 1);
  CHECK(store.evaluate({leaf.der}, kDuringValidity).trusted);
}

TEST_CASE("roots_that_are_not_one_certificate_are_malformed") {
  const bytes& der = ts::test_root_ca().der;
  const std::string pem = pem_of(der);
  bytes der_with_tail = der;
  der_with_tail.push_back(0);
  const std::string other = pem_of(ts::make_root_ca("Other Root").der);
  const bytes inputs[] = {
      {},
      common::to_bytes("not a certificate"),
      der_with_tail,
      bytes(der.begin(), der.end() - 1),
      common::to_bytes(pem.substr(0, pem.size() / 2)),
      common::to_bytes(pem + other),
  };
  for (const bytes& input : inputs) {
    webauthn::trust_store store;
    const auto added = store.add_root(input);
    REQUIRE(added.has_error());
    CHECK(added.error() == errc::attestation_certificate_malformed);
    CHECK(store.size() == 0);
  }
}

// Fixtures -----------------------------------------------------------------

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(' ');
  const auto last = text.find_last_not_of(' ');
  return first == std::string_view::npos
             ? std::string()
             : std::string(text.substr(first, last - first + 1));
}

// The README's registrations table names, per file, the root its chain
// verified to ("anchor", the ninth column); a cell that does not start
// with a .pem file name means the chain ends in no root of roots/.
std::map<std::string, std::string> anchors_from_readme() {
  std::map<std::string, std::string> out;
  std::istringstream lines(read_text(ts::fixtures_dir() / "README.md"));
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::istringstream row(line);
    std::string cell;
    while (std::getline(row, cell, '|'))
      cells.push_back(trim(cell));
    if (cells.size() < 10 || !cells[1].ends_with(".json"))
      continue;
    const std::string anchor = cells[9].substr(0, cells[9].find(' '));
    out[cells[1]] = anchor.ends_with(".pem") ? anchor : "";
  }
  return out;
}

// The root a fixture must chain to; empty when it chains to none of them.
// README-w3c.md names one root for every attested W3C vector.
std::string expected_root(const ts::registration_fixture& fixture,
                          const std::map<std::string, std::string>& anchors) {
  if (fixture.is_w3c_vector())
    return "w3c-l3-attestation-ca.pem";
  const auto found = anchors.find(fixture.file);
  REQUIRE_MESSAGE(found != anchors.end(), "not in README: " << fixture.file);
  return found->second;
}

bytes decode(const nlohmann::json& value) {
  const auto decoded = common::base64url_decode(value.get<std::string>());
  REQUIRE(decoded.has_value());
  return *decoded;
}

webauthn::result<webauthn::attestation_result> verify_fixture(
    const ts::registration_fixture& fixture) {
  const auto& response = fixture.credential.at("response");
  const bytes object_bytes = decode(response.at("attestationObject"));
  const bytes client_data = decode(response.at("clientDataJSON"));
  const auto object = webauthn::parse_attestation_object(object_bytes);
  REQUIRE(object.has_value());
  const auto data = webauthn::parse_authenticator_data(object->auth_data);
  REQUIRE(data.has_value());
  REQUIRE(data->attested.has_value());
  const auto key = webauthn::parse_cose_key(data->attested->public_key);
  REQUIRE(key.has_value());
  const auto verifier = webauthn::find_attestation_verifier(object->fmt);
  REQUIRE(verifier.has_value());
  webauthn::attestation_input input{object->statement.get(), &*data, &*key, {}};
  // SafetyNet's freshness is judged at the capture's own time.
  input.now = fixture.verify_at.value_or(common::time_point{});
  const bytes hash = ts::sha256(client_data);
  std::ranges::copy(hash, input.client_data_hash.begin());
  return (*verifier)(input);
}

std::map<std::string, bytes> fixture_roots() {
  std::map<std::string, bytes> out;
  for (const auto& entry :
       std::filesystem::directory_iterator(ts::fixtures_dir() / "roots")) {
    if (entry.path().extension() == ".pem")
      out[entry.path().filename().string()] =
          common::to_bytes(read_text(entry.path()));
  }
  return out;
}

bool same_key(const bytes& pem_a, const bytes& pem_b) {
  const auto read = [](const bytes& pem) {
    const common::ossl::bio bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return common::ossl::x509(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  };
  const auto a = read(pem_a);
  const auto b = read(pem_b);
  REQUIRE(a);
  REQUIRE(b);
  return EVP_PKEY_eq(X509_get0_pubkey(a.get()), X509_get0_pubkey(b.get())) == 1;
}

// Trusted by a store holding only `root`, untrusted by one holding every
// other root of the folder that has another key.
void check_chains_to(const std::vector<bytes>& path, common::time_point at,
                     const std::string& fmt, const std::string& root,
                     const std::map<std::string, bytes>& roots) {
  REQUIRE_MESSAGE(roots.contains(root), "missing root " << root);
  const auto alone = store_with({roots.at(root)}).evaluate(path, at, fmt);
  CHECK_MESSAGE(alone.trusted, alone.reason);
  CHECK_FALSE(alone.anchor.empty());
  // Other roots, leaving out those that carry the same key under another
  // name (Google's hardware attestation roots are one key, reissued).
  webauthn::trust_store others;
  for (const auto& [name, pem] : roots) {
    if (name != root && !same_key(pem, roots.at(root)))
      REQUIRE(others.add_root(pem).has_value());
  }
  const auto other = others.evaluate(path, at, fmt);
  CHECK_FALSE(other.trusted);
}

}  // namespace

namespace {

// The attestation type each format reports for a certificate path.
webauthn::attestation_type type_of_attested(const std::string& fmt) {
  if (fmt == "tpm")
    return webauthn::attestation_type::attca;
  if (fmt == "apple")
    return webauthn::attestation_type::anonca;
  return webauthn::attestation_type::basic;
}

}  // namespace

TEST_CASE("fixture_registrations_of_every_format_chain_to_their_root") {
  if (!ts::fixtures_present()) {
    MESSAGE("skipped: no fixtures at ", ts::fixtures_dir().string());
    return;
  }
  const auto anchors = anchors_from_readme();
  const auto roots = fixture_roots();
  webauthn::trust_store every_root;
  for (const auto& [name, pem] : roots)
    REQUIRE(every_root.add_root(pem).has_value());

  std::map<std::string, int> checked;
  for (const auto& fixture : ts::load_registration_fixtures()) {
    if (fixture.fmt == "none")
      continue;
    CAPTURE(fixture.file);
    const auto result = verify_fixture(fixture);
    if (!fixture.expect_valid()) {
      CHECK_MESSAGE(result.has_error(), fixture.expect);
      continue;
    }
    REQUIRE_MESSAGE(result.has_value(), result.error().message());
    ++checked[fixture.fmt];
    if (result->certificates.empty()) {
      CHECK(result->type == webauthn::attestation_type::self);
      CHECK_FALSE(fixture.verify_at.has_value());
      continue;
    }
    CHECK(result->type == type_of_attested(fixture.fmt));
    REQUIRE(fixture.verify_at.has_value());
    const std::string root = expected_root(fixture, anchors);
    if (root.empty()) {
      const auto trust = every_root.evaluate(result->certificates,
                                             *fixture.verify_at, fixture.fmt);
      CHECK_FALSE(trust.trusted);
      MESSAGE(fixture.file, ": chains to no root in roots/ (", trust.reason,
              ")");
      continue;
    }
    check_chains_to(result->certificates, *fixture.verify_at, fixture.fmt, root,
                    roots);
  }
  for (const char* fmt : {"packed", "fido-u2f", "tpm", "android-key",
                          "android-safetynet", "apple"}) {
    CAPTURE(fmt);
    CHECK(checked[fmt] > 0);
  }
}
