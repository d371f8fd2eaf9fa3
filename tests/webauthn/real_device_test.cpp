// Captures from real authenticators and the W3C Level 3 test vectors, in
// ../shared/fixtures/webauthn/: each is judged as its file marks it, at its
// own verifyAt time. Skipped, with a message, where the folder is absent.
#include "webauthn/authentication.hpp"
#include "webauthn/registration.hpp"

#include "common/encoding.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using webauthn::errc;

namespace {

// The formats this layer verifies: all seven of WebAuthn Level 3.
bool format_supported(const std::string& fmt) {
  return fmt == "none" || fmt == "packed" || fmt == "fido-u2f" ||
         fmt == "tpm" || fmt == "android-key" || fmt == "android-safetynet" ||
         fmt == "apple";
}

// The errc a fixture's "invalid: ..." reason stands for.
errc expected_refusal(const std::string& reason) {
  if (reason.find("crossOrigin is true") != std::string::npos) {
    return errc::cross_origin_refused;
  }
  if (reason.find("ctsProfileMatch=false") != std::string::npos) {
    return errc::safetynet_cts_profile_mismatch;
  }
  // Empty lists lack origin GENERATED, the first of the two rules.
  if (reason.find("empty softwareEnforced and teeEnforced") !=
      std::string::npos) {
    return errc::android_key_origin_not_generated;
  }
  FAIL("no errc mapped for the fixture reason: " << reason);
  return errc::ok;
}

webauthn::relying_party rp_of(const test_support::fixture_common& f) {
  webauthn::relying_party rp{f.rp_id, {f.origin}, f.accept_cross_origin, {}};
  if (f.top_origin)
    rp.top_origins = {*f.top_origin};
  return rp;
}

webauthn::trust_store fixture_roots() {
  webauthn::trust_store roots;
  for (const auto& entry : std::filesystem::directory_iterator(
           test_support::fixtures_dir() / "roots")) {
    if (entry.path().extension() != ".pem")
      continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string pem((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
    REQUIRE(roots.add_root(common::as_bytes(pem)).has_value());
  }
  return roots;
}

void judge(const test_support::fixture_common& f,
           const webauthn::result<void>& outcome) {
  if (f.expect_valid()) {
    CHECK_MESSAGE(outcome.has_value(),
                  "refused: " << (outcome ? "" : outcome.error().message()));
  } else {
    REQUIRE(outcome.has_error());
    CHECK(outcome.error() == expected_refusal(f.expect));
  }
}

}  // namespace

TEST_CASE("real-device and W3C registrations are judged as marked") {
  if (!test_support::fixtures_present()) {
    MESSAGE("skipped: ../shared/fixtures/webauthn is absent");
    return;
  }
  const auto roots = fixture_roots();
  int judged = 0;
  for (const auto& f : test_support::load_registration_fixtures()) {
    if (!format_supported(f.fmt))
      continue;
    CAPTURE(f.file);
    const auto rp = rp_of(f);
    const auto response = webauthn::parse_registration_response(f.credential);
    REQUIRE(response.has_value());
    webauthn::registration_expectation expect;
    expect.rp = &rp;
    expect.challenge = *common::base64url_decode(f.expected_challenge);
    expect.algorithms.assign(std::begin(webauthn::kSupportedAlgorithms),
                             std::end(webauthn::kSupportedAlgorithms));
    expect.trust = &roots;
    expect.now = f.verify_at.value_or(std::chrono::system_clock::now());
    const auto r = webauthn::verify_registration(*response, expect);
    judge(f, r ? webauthn::result<void>() : r.error());
    ++judged;
  }
  MESSAGE("registrations judged: " << judged);
  CHECK(judged >= 39);
}

TEST_CASE("real-device and W3C assertions are judged as marked") {
  if (!test_support::fixtures_present()) {
    MESSAGE("skipped: ../shared/fixtures/webauthn is absent");
    return;
  }
  int judged = 0;
  for (const auto& f : test_support::load_assertion_fixtures()) {
    CAPTURE(f.file);
    const auto rp = rp_of(f);
    const auto response = webauthn::parse_authentication_response(f.credential);
    REQUIRE(response.has_value());
    // The files give the key and counter, not the account: the owner and
    // the stored backup flags are taken from the response itself.
    const auto data =
        webauthn::parse_authenticator_data(response->authenticator_data);
    REQUIRE(data.has_value());
    webauthn::stored_credential stored;
    stored.id = response->id;
    stored.public_key = f.credential_public_key;
    stored.sign_count = f.prev_sign_count;
    stored.backup_eligible = data->flags.backup_eligible;
    stored.backup_state = data->flags.backup_state;
    stored.user_handle = response->user_handle.value_or(common::bytes{});
    webauthn::authentication_expectation expect;
    expect.rp = &rp;
    expect.challenge = *common::base64url_decode(f.expected_challenge);
    expect.user_handle = stored.user_handle;
    const auto r = webauthn::verify_authentication(*response, stored, expect);
    judge(f, r ? webauthn::result<void>() : r.error());
    ++judged;
  }
  MESSAGE("assertions judged: " << judged);
  CHECK(judged >= 33);
}
