// Registration ceremonies (WebAuthn Level 3 section 7.1) from the software
// authenticator: valid ones for every algorithm and format, and one
// refusal per step.
#include "webauthn/registration.hpp"

#include "common/encoding.hpp"
#include "tests/support/soft_authenticator.hpp"

#include <doctest/doctest.h>

using test_support::attestation_format;
using test_support::key_type;
using test_support::registration;
using test_support::registration_options;
using webauthn::cose_algorithm;
using webauthn::errc;

namespace {

const webauthn::relying_party kRp{
    "localhost", {"http://localhost:8080"}, false, {}};

const std::vector<cose_algorithm> kAllAlgorithms = {
    cose_algorithm::es256, cose_algorithm::eddsa, cose_algorithm::es384,
    cose_algorithm::es512, cose_algorithm::rs256, cose_algorithm::ps256};

struct fixture {
  common::bytes challenge = common::bytes(32, 4);
  webauthn::registration_expectation expect;

  fixture() {
    expect.rp = &kRp;
    expect.challenge = challenge;
    expect.algorithms = kAllAlgorithms;
    expect.is_registered = [](common::byte_view) { return false; };
    expect.now = std::chrono::system_clock::now();
  }

  registration make(registration_options options = {}) const {
    if (options.challenge.empty())
      options.challenge = challenge;
    return test_support::make_registration(options);
  }

  webauthn::result<webauthn::new_credential> verify(
      const registration& reg) const {
    const auto response =
        webauthn::parse_registration_response(reg.to_json_text());
    REQUIRE(response.has_value());
    return webauthn::verify_registration(*response, expect);
  }

  errc refusal(const registration& reg) const {
    const auto r = verify(reg);
    REQUIRE(r.has_error());
    return static_cast<errc>(r.error().value());
  }
};

registration_options with_format(attestation_format format,
                                 key_type key = key_type::es256) {
  registration_options options;
  options.format = format;
  options.key = key;
  return options;
}

}  // namespace

TEST_CASE("valid_registration for every algorithm, attestation none") {
  const fixture f;
  for (const auto type : test_support::all_key_types) {
    CAPTURE(test_support::name_of(type));
    const auto reg = f.make(with_format(attestation_format::none, type));
    const auto r = f.verify(reg);
    REQUIRE(r.has_value());
    CHECK(r->id == reg.credential_id());
    CHECK(r->public_key == reg.auth_data.attested->cose_key);
    CHECK(r->format == "none");
    CHECK(r->type == webauthn::attestation_type::none);
    CHECK_FALSE(r->trust.trusted);
    CHECK(r->user_verified);
  }
}

TEST_CASE("valid_registration with packed self attestation") {
  const fixture f;
  for (const auto type : test_support::all_key_types) {
    CAPTURE(test_support::name_of(type));
    const auto r =
        f.verify(f.make(with_format(attestation_format::packed_self, type)));
    REQUIRE(r.has_value());
    CHECK(r->type == webauthn::attestation_type::self);
    CHECK(r->certificates.empty());
  }
}

TEST_CASE("valid_registration with packed x5c is trusted under its root") {
  fixture f;
  const auto reg = f.make(with_format(attestation_format::packed_x5c));
  auto r = f.verify(reg);
  REQUIRE(r.has_value());
  CHECK(r->type == webauthn::attestation_type::basic);
  CHECK(r->certificates.size() == 1);
  CHECK_FALSE(r->trust.trusted);

  webauthn::trust_store roots;
  REQUIRE(roots.add_root(test_support::test_root_ca().der).has_value());
  f.expect.trust = &roots;
  r = f.verify(reg);
  REQUIRE(r.has_value());
  CHECK(r->trust.trusted);
  CHECK_FALSE(r->trust.anchor.empty());
}

TEST_CASE("valid_registration with fido-u2f") {
  const fixture f;
  const auto r = f.verify(f.make(with_format(attestation_format::fido_u2f)));
  REQUIRE(r.has_value());
  CHECK(r->format == "fido-u2f");
  CHECK(r->type == webauthn::attestation_type::basic);
}

TEST_CASE("unsigned hints are kept for display") {
  const fixture f;
  auto reg = f.make();
  reg.transports = {"usb", "nfc"};
  reg.client_extension_results = {{"credProps", {{"rk", true}}}};
  const auto r = f.verify(reg);
  REQUIRE(r.has_value());
  CHECK(r->transports == std::vector<std::string>{"usb", "nfc"});
  CHECK(r->resident_key == true);
  CHECK(r->authenticator_attachment == "cross-platform");
}

TEST_CASE("client data of a sign-in is refused in a registration") {
  const fixture f;
  auto reg = f.make();
  reg.client.type = "webauthn.get";
  reg.rebuild();
  CHECK(f.refusal(reg) == errc::client_data_type_mismatch);
}

TEST_CASE("a foreign challenge is refused") {
  const fixture f;
  registration_options options;
  options.challenge = common::bytes(32, 5);
  CHECK(f.refusal(f.make(options)) == errc::challenge_mismatch);
}

TEST_CASE("a wrong origin is refused") {
  const fixture f;
  registration_options options;
  options.origin = "https://evil.example";
  CHECK(f.refusal(f.make(options)) == errc::origin_mismatch);
}

TEST_CASE("crossOrigin and topOrigin are refused unless configured") {
  const fixture f;
  registration_options options;
  options.cross_origin = true;
  CHECK(f.refusal(f.make(options)) == errc::cross_origin_refused);
  options.top_origin = "https://top.example";
  CHECK(f.refusal(f.make(options)) == errc::cross_origin_refused);
  options.cross_origin = false;
  CHECK(f.refusal(f.make(options)) == errc::top_origin_refused);
}

TEST_CASE("a registration for another RP ID is refused") {
  const fixture f;
  registration_options options;
  options.rp_id = "evil.localhost";
  CHECK(f.refusal(f.make(options)) == errc::rp_id_hash_mismatch);
}

TEST_CASE("no_user_presence is refused") {
  const fixture f;
  registration_options options;
  options.flags.up = false;
  CHECK(f.refusal(f.make(options)) == errc::user_not_present);
}

TEST_CASE("no_user_verification is refused only when required") {
  fixture f;
  registration_options options;
  options.flags.uv = false;
  CHECK(f.verify(f.make(options)).has_value());
  f.expect.uv = webauthn::user_verification::required;
  CHECK(f.refusal(f.make(options)) == errc::user_verification_missing);
}

TEST_CASE("BS without BE is refused, BE and BS are recorded") {
  const fixture f;
  registration_options options;
  options.flags.bs = true;
  CHECK(f.refusal(f.make(options)) == errc::backup_state_without_eligibility);
  options.flags.be = true;
  const auto r = f.verify(f.make(options));
  REQUIRE(r.has_value());
  CHECK(r->backup_eligible);
  CHECK(r->backup_state);
}

TEST_CASE("a registration without attested credential data is refused") {
  const fixture f;
  auto reg = f.make();
  reg.auth_data.flags.at = false;
  reg.auth_data.attested.reset();
  reg.rebuild();
  CHECK(f.refusal(reg) == errc::attested_credential_missing);
}

TEST_CASE("an id that is not the attested credential id is refused") {
  const fixture f;
  auto reg = f.make();
  const std::string other = common::base64url_encode(common::bytes(32, 1));
  reg.id = other;
  reg.raw_id = other;
  CHECK(f.refusal(reg) == errc::credential_id_mismatch);
}

TEST_CASE("an algorithm that was not offered is refused") {
  fixture f;
  f.expect.algorithms = {cose_algorithm::es256};
  for (const auto type :
       {key_type::ed25519, key_type::rs256, key_type::es384}) {
    CAPTURE(test_support::name_of(type));
    CHECK(f.refusal(f.make(with_format(attestation_format::none, type))) ==
          errc::algorithm_not_allowed);
  }
}

TEST_CASE("an unknown attestation format is refused") {
  const fixture f;
  auto reg = f.make();
  reg.statement.fmt = "made-up";
  reg.rebuild();
  CHECK(f.refusal(reg) == errc::attestation_format_unsupported);
}

TEST_CASE("a tampered attestation signature is refused") {
  const fixture f;
  for (const auto format :
       {attestation_format::packed_self, attestation_format::packed_x5c,
        attestation_format::fido_u2f}) {
    auto reg = f.make(with_format(format));
    reg.statement.sig->back() ^= 1;
    reg.encode_attestation_object();
    CHECK(f.refusal(reg) == errc::attestation_signature_invalid);
  }
}

TEST_CASE("a credential id already registered is refused") {
  fixture f;
  const auto reg = f.make();
  const auto id = reg.credential_id();
  f.expect.is_registered = [&id](common::byte_view candidate) {
    return std::equal(id.begin(), id.end(), candidate.begin(), candidate.end());
  };
  CHECK(f.refusal(reg) == errc::credential_already_registered);
  CHECK(f.verify(f.make()).has_value());
}

TEST_CASE("a credential id over 1023 bytes is refused") {
  const fixture f;
  registration_options options;
  options.credential_id_length = 1024;
  const auto reg = f.make(options);
  const auto response =
      webauthn::parse_registration_response(reg.to_json_text());
  REQUIRE(response.has_error());
  CHECK(response.error() == errc::credential_id_too_long);
}

TEST_CASE("a credential id of exactly 1023 bytes is accepted") {
  const fixture f;
  registration_options options;
  options.credential_id_length = 1023;
  CHECK(f.verify(f.make(options)).has_value());
}
