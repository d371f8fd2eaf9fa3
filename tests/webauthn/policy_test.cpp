// The registration policy, applied as the ceremony's last step: allow-list
// bypass attempts (self attestation, another vendor's root), status
// reports, synced passkeys, algorithms and user verification; and the
// YubiKey captures attested by their metadata roots.
#include "webauthn/policy.hpp"

#include "common/encoding.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/mds_blob.hpp"
#include "tests/support/soft_authenticator.hpp"

#include <openssl/evp.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ts = test_support;
using common::bytes;
using webauthn::errc;

namespace {

const webauthn::relying_party kRp{
    "localhost", {"http://localhost:8080"}, false, {}};
const common::time_point kNow = common::from_unix_seconds(1767225600);
const bytes kModelBytes = {0x5e, 0x11, 0x5e, 0x11, 1, 2,  3,  4,
                           5,    6,    7,    8,    9, 10, 11, 12};

std::string uuid_text(const bytes& id) {
  const std::string hex = common::hex_encode(id);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

webauthn::aaguid to_aaguid(const bytes& id) {
  webauthn::aaguid out{};
  std::copy(id.begin(), id.end(), out.begin());
  return out;
}

// The vendor that makes kModelBytes, and another one.
const ts::certificate& vendor_root() {
  static const auto root = ts::make_root_ca("Vendor A Root");
  return root;
}
const ts::certificate& other_vendor_root() {
  static const auto root = ts::make_root_ca("Vendor B Root");
  return root;
}

struct fixture {
  webauthn::trust_store trust;
  webauthn::metadata_store metadata;
  webauthn::registration_policy policy;

  explicit fixture(const std::string& status = "FIDO_CERTIFIED_L1") {
    REQUIRE(trust.add_root(vendor_root().der).has_value());
    REQUIRE(trust.add_root(other_vendor_root().der).has_value());
    const nlohmann::json entry = {
        {"aaguid", uuid_text(kModelBytes)},
        {"metadataStatement",
         {{"description", "Vendor A Key"},
          {"attestationRootCertificates",
           {ts::base64_standard(vendor_root().der)}}}},
        {"statusReports", {{{"status", status}}}}};
    REQUIRE(metadata.add_statement(entry.dump()).has_value());
  }

  webauthn::result<webauthn::new_credential> verify(
      const ts::registration& reg) const {
    webauthn::registration_expectation expect;
    expect.rp = &kRp;
    expect.challenge = *common::base64url_decode(reg.client.challenge);
    expect.algorithms = {webauthn::cose_algorithm::es256,
                         webauthn::cose_algorithm::rs256};
    expect.trust = &trust;
    expect.now = kNow;
    expect.policy = &policy;
    expect.metadata = &metadata;
    const auto response = webauthn::parse_registration_response(reg.to_json());
    REQUIRE(response.has_value());
    return webauthn::verify_registration(*response, expect);
  }

  errc refusal(const ts::registration& reg) const {
    const auto r = verify(reg);
    REQUIRE(r.has_error());
    return static_cast<errc>(r.error().value());
  }
};

ts::registration registration_by(
    const ts::certificate* issuer,
    ts::attestation_format format = ts::attestation_format::packed_x5c) {
  ts::registration_options options;
  options.format = format;
  options.aaguid = kModelBytes;
  options.issuer = issuer;
  return ts::make_registration(options);
}

}  // namespace

TEST_CASE("an attested model passes the allow list and is named") {
  fixture f;
  f.policy.allowed_models = {to_aaguid(kModelBytes)};
  const auto r = f.verify(registration_by(&vendor_root()));
  REQUIRE_MESSAGE(r.has_value(), r.error().message());
  CHECK(r->model.description == "Vendor A Key");
  CHECK(r->model.attested);
  REQUIRE(r->model.path.size() == 2);
  CHECK(r->model.path[1].find("CN=Vendor A Root") == 0);
  CHECK(r->trust.trusted);
}

TEST_CASE("allow-list bypass with self or no attestation is refused") {
  fixture f;
  f.policy.allowed_models = {to_aaguid(kModelBytes)};
  for (const auto format :
       {ts::attestation_format::packed_self, ts::attestation_format::none}) {
    const auto reg = registration_by(nullptr, format);
    CHECK(f.refusal(reg) == errc::aaguid_not_allowed);
    // Without the allow list the claim is only a name.
    f.policy.allowed_models.clear();
    const auto r = f.verify(reg);
    REQUIRE(r.has_value());
    CHECK(r->model.description == "Vendor A Key");
    CHECK_FALSE(r->model.attested);
    f.policy.allowed_models = {to_aaguid(kModelBytes)};
  }
}

TEST_CASE("allow-list bypass through another vendor's root is refused") {
  fixture f;
  f.policy.allowed_models = {to_aaguid(kModelBytes)};
  const auto reg = registration_by(&other_vendor_root());
  CHECK(f.refusal(reg) == errc::aaguid_not_allowed);
  // The path is trusted (the other root is configured); it is the claim
  // that it does not prove.
  f.policy.allowed_models.clear();
  const auto r = f.verify(reg);
  REQUIRE(r.has_value());
  CHECK(r->trust.trusted);
  CHECK_FALSE(r->model.attested);
}

TEST_CASE("a model outside the allow list is refused even when attested") {
  fixture f;
  f.policy.allowed_models = {to_aaguid(bytes(16, 0x77))};
  CHECK(f.refusal(registration_by(&vendor_root())) == errc::aaguid_not_allowed);
}

TEST_CASE("a denied model is refused on its claim") {
  fixture f;
  f.policy.denied_models = {to_aaguid(kModelBytes)};
  CHECK(f.refusal(registration_by(&vendor_root())) == errc::aaguid_denied);
  CHECK(f.refusal(
            registration_by(nullptr, ts::attestation_format::packed_self)) ==
        errc::aaguid_denied);
}

TEST_CASE("a model with a revoked or compromised status is refused") {
  for (const char* status :
       {"REVOKED", "USER_VERIFICATION_BYPASS", "ATTESTATION_KEY_COMPROMISE"}) {
    CAPTURE(status);
    const fixture f(status);
    CHECK(f.refusal(registration_by(&vendor_root())) ==
          errc::authenticator_status_refused);
  }
  const fixture fine("UPDATE_AVAILABLE");
  CHECK(fine.verify(registration_by(&vendor_root())).has_value());
}

TEST_CASE(
    "synced passkeys are refused when the policy does not allow "
    "them") {
  fixture f;
  ts::registration_options options;
  options.flags.be = true;
  options.flags.bs = true;
  const auto reg = ts::make_registration(options);
  CHECK(f.verify(reg).has_value());
  f.policy.allow_synced = false;
  CHECK(f.refusal(reg) == errc::synced_credential_refused);
  options.flags.bs = false;  // eligible but not backed up yet: still synced
  CHECK(f.refusal(ts::make_registration(options)) ==
        errc::synced_credential_refused);
}

TEST_CASE("the policy's algorithms and user verification decide") {
  fixture f;
  f.policy.algorithms = {webauthn::cose_algorithm::es256};
  ts::registration_options rsa;
  rsa.key = ts::key_type::rs256;
  CHECK(f.refusal(ts::make_registration(rsa)) == errc::algorithm_not_allowed);
  CHECK(f.verify(ts::make_registration()).has_value());

  f.policy.uv = webauthn::user_verification::required;
  ts::registration_options no_uv;
  no_uv.flags.uv = false;
  CHECK(f.refusal(ts::make_registration(no_uv)) ==
        errc::user_verification_missing);
}

TEST_CASE(
    "trusted attestation, when required, comes from a root or the "
    "model's metadata") {
  fixture f;
  f.policy.require_trusted_attestation = true;
  CHECK(f.refusal(registration_by(nullptr, ts::attestation_format::none)) ==
        errc::attestation_not_trusted);
  CHECK(f.refusal(
            registration_by(nullptr, ts::attestation_format::packed_self)) ==
        errc::attestation_not_trusted);
  CHECK(f.verify(registration_by(&vendor_root())).has_value());

  // No configured roots: the model's metadata roots still attest it.
  fixture bare;
  bare.trust = webauthn::trust_store();
  bare.policy.require_trusted_attestation = true;
  const auto r = bare.verify(registration_by(&vendor_root()));
  REQUIRE(r.has_value());
  CHECK_FALSE(r->trust.trusted);
  CHECK(r->model.attested);
  CHECK(bare.refusal(registration_by(&other_vendor_root())) ==
        errc::attestation_not_trusted);
}

TEST_CASE("unsigned client hints never decide the policy") {
  fixture f;
  f.policy.allow_synced = false;
  f.policy.allowed_models = {to_aaguid(kModelBytes)};
  auto reg = registration_by(&vendor_root());
  reg.authenticator_attachment = "platform";
  reg.transports = {"internal", "hybrid"};
  reg.client_extension_results = {{"credProps", {{"rk", true}}}};
  CHECK(f.verify(reg).has_value());
  auto self = registration_by(nullptr, ts::attestation_format::packed_self);
  self.authenticator_attachment = "cross-platform";
  self.transports = {"usb"};
  CHECK(f.refusal(self) == errc::aaguid_not_allowed);
}

TEST_CASE("check_registration_policy works on its own, without metadata") {
  webauthn::new_credential credential;
  credential.algorithm = webauthn::cose_algorithm::es256;
  credential.authenticator_model = to_aaguid(kModelBytes);
  webauthn::registration_policy policy;
  auto verdict = webauthn::check_registration_policy(credential, policy,
                                                     nullptr, nullptr, kNow);
  REQUIRE(verdict.has_value());
  CHECK(verdict->description.empty());
  policy.allowed_models = {to_aaguid(kModelBytes)};
  verdict = webauthn::check_registration_policy(credential, policy, nullptr,
                                                nullptr, kNow);
  REQUIRE(verdict.has_error());
  CHECK(verdict.error() == errc::aaguid_not_allowed);
}

// The YubiKey captures ------------------------------------------------------

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("YubiKey captures pass an allow list of YubiKey models") {
  if (!ts::fixtures_present()) {
    MESSAGE("skipped: ../shared/fixtures/webauthn is absent");
    return;
  }
  webauthn::metadata_store metadata;
  webauthn::registration_policy policy;
  for (const auto& entry :
       std::filesystem::directory_iterator(ts::fixtures_dir() / "metadata")) {
    const auto text = read_text(entry.path());
    REQUIRE(metadata.add_statement(text).has_value());
    const auto parsed = webauthn::parse_metadata_entry(text);
    REQUIRE(parsed.has_value());
    policy.allowed_models.push_back(*parsed->model);
  }
  int attested = 0;
  for (const auto& f : ts::load_registration_fixtures()) {
    if (!f.file.starts_with("packed-x5c_yubikey-"))
      continue;
    CAPTURE(f.file);
    const auto response = webauthn::parse_registration_response(f.credential);
    REQUIRE(response.has_value());
    webauthn::relying_party rp{f.rp_id, {f.origin}, false, {}};
    webauthn::registration_expectation expect;
    expect.rp = &rp;
    expect.challenge = *common::base64url_decode(f.expected_challenge);
    expect.algorithms = {webauthn::cose_algorithm::es256,
                         webauthn::cose_algorithm::eddsa};
    expect.now = *f.verify_at;
    expect.policy = &policy;
    expect.metadata = &metadata;
    const auto r = webauthn::verify_registration(*response, expect);
    REQUIRE_MESSAGE(r.has_value(), r.error().message());
    CHECK(r->model.attested);
    CHECK(r->model.description.find("YubiKey") != std::string::npos);
    CHECK(r->model.path.back().find("CN=Yubico U2F Root CA") == 0);
    ++attested;
  }
  CHECK(attested >= 4);
}
