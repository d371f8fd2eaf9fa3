#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include "common/encoding.hpp"
#include "tests/support/fido2_oracle.hpp"

using namespace test_support;

namespace {

constexpr const char* absent =
    "../shared/fixtures/webauthn is absent: fixture tests skipped";

template <class Fixture>
std::size_t count_w3c(const std::vector<Fixture>& all) {
  return static_cast<std::size_t>(std::count_if(
      all.begin(), all.end(), [](const auto& f) { return f.is_w3c_vector(); }));
}

std::string response_text(const fixture_common& f, const char* name) {
  const auto bytes = common::base64url_decode(
      f.credential.at("response").at(name).get<std::string>());
  return std::string(common::as_text(bytes.value()));
}

common::bytes response_bytes(const fixture_common& f, const char* name) {
  return common::base64url_decode(
             f.credential.at("response").at(name).get<std::string>())
      .value();
}

}  // namespace

TEST_CASE("parse_utc_time reads the verifyAt forms") {
  CHECK(parse_utc_time("2025-01-01T00:00:00Z") ==
        common::from_unix_seconds(1735689600));
  CHECK(parse_utc_time("2025-02-02T10:00:00.000Z") ==
        common::from_unix_seconds(1738490400));
  CHECK(parse_utc_time("2025-06-09T20:40:42.989Z") ==
        common::from_unix_seconds(1749501642) + std::chrono::milliseconds(989));
  CHECK_FALSE(parse_utc_time("2025-01-01 00:00:00Z"));
  CHECK_FALSE(parse_utc_time("2025-02-30T00:00:00Z"));
  CHECK_FALSE(parse_utc_time("2025-01-01T00:00:00+01:00"));
}

TEST_CASE("every registration fixture parses, counts match the READMEs") {
  if (!fixtures_present()) {
    MESSAGE(absent);
    return;
  }
  const auto all = load_registration_fixtures();
  CHECK(all.size() - count_w3c(all) == 40);
  CHECK(count_w3c(all) == 16);
  for (const auto& f : all) {
    CAPTURE(f.file);
    CHECK_FALSE(f.rp_id.empty());
    CHECK(f.credential.at("type") == "public-key");
    CHECK(f.credential_text.starts_with("{"));
    CHECK(f.verify_at.has_value() ==
          (f.fmt != "none" && !f.file.starts_with("packed-self") &&
           f.file != "w3c-l3-packed-self-es256.json"));
    CHECK(response_text(f, "clientDataJSON").find(f.expected_challenge) !=
          std::string::npos);
  }
}

TEST_CASE("every assertion fixture parses, counts match the READMEs") {
  if (!fixtures_present()) {
    MESSAGE(absent);
    return;
  }
  const auto all = load_assertion_fixtures();
  CHECK(all.size() - count_w3c(all) == 18);
  CHECK(count_w3c(all) == 15);
  for (const auto& f : all) {
    CAPTURE(f.file);
    CHECK_FALSE(f.credential_public_key.empty());
    CHECK(f.credential.at("type") == "public-key");
  }
}

TEST_CASE("libfido2 agrees with the registration fixtures it can judge") {
  if (!fixtures_present()) {
    MESSAGE(absent);
    return;
  }
  std::size_t judged = 0;
  for (const auto& f : load_registration_fixtures()) {
    CAPTURE(f.file);
    const auto verdict =
        fido2_judge_registration(f.rp_id, response_text(f, "clientDataJSON"),
                                 response_bytes(f, "attestationObject"));
    CAPTURE(name_of(verdict));
    // libfido2 1.12 checks TPM statements against the layouts Windows
    // Hello writes; it refuses the synthetic W3C TPM vector that the
    // README's independent check accepts.
    if (f.file == "w3c-l3-tpm-es256.json") {
      CHECK(verdict == fido2_verdict::refused);
      continue;
    }
    if (verdict != fido2_verdict::unsupported && f.expect_valid()) {
      ++judged;
      CHECK(verdict == fido2_verdict::accepted);
    }
  }
  MESSAGE("libfido2 judged " << judged << " registration fixtures");
  CHECK(judged > 10);
}

TEST_CASE("libfido2 agrees with the assertion fixtures it can judge") {
  if (!fixtures_present()) {
    MESSAGE(absent);
    return;
  }
  std::size_t judged = 0;
  for (const auto& f : load_assertion_fixtures()) {
    CAPTURE(f.file);
    const auto verdict = fido2_judge_assertion(
        f.rp_id, response_text(f, "clientDataJSON"),
        response_bytes(f, "authenticatorData"), response_bytes(f, "signature"),
        f.credential_public_key);
    CAPTURE(name_of(verdict));
    // libfido2 checks no client data, so the cross-origin refusal is
    // Latchkey's alone.
    if (verdict != fido2_verdict::unsupported) {
      ++judged;
      CHECK(verdict == fido2_verdict::accepted);
    }
  }
  MESSAGE("libfido2 judged " << judged << " assertion fixtures");
  CHECK(judged > 10);
}
