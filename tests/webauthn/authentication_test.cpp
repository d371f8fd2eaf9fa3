// Authentication ceremonies (WebAuthn Level 3 section 7.2) from the
// software authenticator: valid ones for every algorithm, and one refusal
// per step.
#include "webauthn/authentication.hpp"

#include "tests/support/soft_authenticator.hpp"

#include <doctest/doctest.h>

using test_support::assertion;
using test_support::assertion_options;
using test_support::credential;
using test_support::key_type;
using webauthn::errc;

namespace {

const webauthn::relying_party kRp{
    "localhost", {"http://localhost:8080"}, false, {}};

// A registered credential and the stored record Latchkey would keep.
struct fixture {
  credential cred;
  webauthn::stored_credential stored;
  common::bytes challenge = common::bytes(32, 7);
  webauthn::authentication_expectation expect;

  explicit fixture(key_type type = key_type::es256, bool backup = false) {
    test_support::registration_options options;
    options.key = type;
    options.flags.be = backup;
    options.flags.bs = backup;
    const auto reg = test_support::make_registration(options);
    cred = reg.to_credential();
    stored.id = cred.id;
    stored.public_key = reg.key.cose_bytes();
    stored.sign_count = cred.sign_count;
    stored.backup_eligible = backup;
    stored.backup_state = backup;
    stored.user_handle = cred.user_handle;
    expect.rp = &kRp;
    expect.challenge = challenge;
    expect.allowed_credentials = {cred.id};
    expect.user_handle = cred.user_handle;
  }

  assertion sign(assertion_options options = {}) {
    if (options.challenge.empty())
      options.challenge = challenge;
    return test_support::make_assertion(cred, options);
  }

  webauthn::result<webauthn::authentication_result> verify(
      const assertion& a) const {
    const auto response =
        webauthn::parse_authentication_response(a.to_json_text());
    REQUIRE(response.has_value());
    return webauthn::verify_authentication(*response, stored, expect);
  }

  errc refusal(const assertion& a) const {
    const auto r = verify(a);
    REQUIRE(r.has_error());
    return static_cast<errc>(r.error().value());
  }
};

}  // namespace

TEST_CASE("valid_assertion for every algorithm") {
  for (const auto type : test_support::all_key_types) {
    CAPTURE(test_support::name_of(type));
    fixture f(type);
    const auto r = f.verify(f.sign());
    REQUIRE(r.has_value());
    CHECK(r->sign_count == 1);
    CHECK(r->user_verified);
    CHECK_FALSE(r->backup_state_changed);
  }
}

TEST_CASE("valid_usernameless sign-in names its owner by user handle") {
  fixture f;
  f.expect.allowed_credentials.clear();
  f.expect.user_handle.reset();
  CHECK(f.verify(f.sign()).has_value());
}

TEST_CASE("no_user_handle on a usernameless sign-in is refused") {
  fixture f;
  f.expect.allowed_credentials.clear();
  f.expect.user_handle.reset();
  assertion_options options;
  options.include_user_handle = false;
  CHECK(f.refusal(f.sign(options)) == errc::user_handle_missing);
}

TEST_CASE("a user handle that is not the owner's is refused") {
  fixture f;
  assertion_options options;
  options.user_handle = common::bytes(64, 1);
  CHECK(f.refusal(f.sign(options)) == errc::user_handle_mismatch);
}

TEST_CASE("another user's credential is refused") {
  fixture f;
  f.expect.user_handle = common::bytes(64, 9);
  CHECK(f.refusal(f.sign()) == errc::user_handle_mismatch);
}

TEST_CASE("a credential outside allowCredentials is refused") {
  fixture f;
  f.expect.allowed_credentials = {common::bytes(32, 3)};
  CHECK(f.refusal(f.sign()) == errc::credential_not_allowed);
}

TEST_CASE("a stored record for another credential id is refused") {
  fixture f;
  f.stored.id = common::bytes(32, 5);
  CHECK(f.refusal(f.sign()) == errc::credential_id_mismatch);
}

TEST_CASE("client data of a registration is refused in a sign-in") {
  fixture f;
  auto a = f.sign();
  a.client.type = "webauthn.create";
  a.rebuild();
  CHECK(f.refusal(a) == errc::client_data_type_mismatch);
}

TEST_CASE("a replayed or foreign challenge is refused") {
  fixture f;
  assertion_options options;
  options.challenge = common::bytes(32, 8);
  CHECK(f.refusal(f.sign(options)) == errc::challenge_mismatch);
}

TEST_CASE("a wrong origin is refused") {
  fixture f;
  for (const char* origin :
       {"http://localhost:8081", "https://localhost:8080",
        "http://evil.localhost:8080", "http://localhost:8080/"}) {
    CAPTURE(origin);
    assertion_options options;
    options.origin = origin;
    CHECK(f.refusal(f.sign(options)) == errc::origin_mismatch);
  }
}

TEST_CASE("crossOrigin is refused unless configured") {
  fixture f;
  assertion_options options;
  options.cross_origin = true;
  CHECK(f.refusal(f.sign(options)) == errc::cross_origin_refused);

  webauthn::relying_party framed = kRp;
  framed.allow_cross_origin = true;
  f.expect.rp = &framed;
  CHECK(f.verify(f.sign(options)).has_value());
}

TEST_CASE("topOrigin is refused unless it is a configured one") {
  fixture f;
  webauthn::relying_party framed = kRp;
  framed.allow_cross_origin = true;
  framed.top_origins = {"https://shop.example"};
  f.expect.rp = &framed;
  assertion_options options;
  options.cross_origin = true;
  options.top_origin = "https://evil.example";
  CHECK(f.refusal(f.sign(options)) == errc::top_origin_refused);
  options.top_origin = "https://shop.example";
  CHECK(f.verify(f.sign(options)).has_value());
  // A top origin without crossOrigin contradicts itself.
  options.cross_origin = false;
  CHECK(f.refusal(f.sign(options)) == errc::top_origin_refused);
}

TEST_CASE("an assertion for another RP ID is refused") {
  fixture f;
  assertion_options options;
  options.rp_id = "evil.localhost";
  CHECK(f.refusal(f.sign(options)) == errc::rp_id_hash_mismatch);
}

TEST_CASE("an assertion that carries a new credential is refused") {
  fixture f;
  auto a = f.sign();
  a.auth_data.flags.at = true;
  a.auth_data.attested = test_support::attested_credential{
      test_support::default_aaguid(), f.cred.id, f.stored.public_key, {}};
  a.rebuild();
  CHECK(f.refusal(a) == errc::attested_credential_unexpected);
}

TEST_CASE("no_user_presence is refused") {
  fixture f;
  test_support::auth_flags flags;
  flags.up = false;
  assertion_options options;
  options.flags = flags;
  CHECK(f.refusal(f.sign(options)) == errc::user_not_present);
}

TEST_CASE("no_user_verification is refused only when required") {
  fixture f;
  test_support::auth_flags flags;
  flags.uv = false;
  assertion_options options;
  options.flags = flags;
  const auto r = f.verify(f.sign(options));
  REQUIRE(r.has_value());
  CHECK_FALSE(r->user_verified);
  f.expect.uv = webauthn::user_verification::required;
  CHECK(f.refusal(f.sign(options)) == errc::user_verification_missing);
}

TEST_CASE("BS without BE is refused") {
  fixture f;
  test_support::auth_flags flags;
  flags.bs = true;
  assertion_options options;
  options.flags = flags;
  CHECK(f.refusal(f.sign(options)) == errc::backup_state_without_eligibility);
}

TEST_CASE("BE that differs from the stored BE is refused") {
  fixture f;
  test_support::auth_flags flags;
  flags.be = true;
  assertion_options options;
  options.flags = flags;
  CHECK(f.refusal(f.sign(options)) == errc::backup_eligibility_changed);

  fixture synced(key_type::es256, true);
  flags.be = false;
  options.flags = flags;
  CHECK(synced.refusal(synced.sign(options)) ==
        errc::backup_eligibility_changed);
}

TEST_CASE("a change of backup state is reported, not refused") {
  fixture f(key_type::es256, true);
  test_support::auth_flags flags;
  flags.be = true;
  flags.bs = false;
  assertion_options options;
  options.flags = flags;
  const auto r = f.verify(f.sign(options));
  REQUIRE(r.has_value());
  CHECK(r->backup_state_changed);
  CHECK_FALSE(r->backup_state);
}

TEST_CASE("a signature over other data is refused") {
  fixture f;
  auto a = f.sign();
  a.auth_data.sign_count += 1;
  a.rebuild_unsigned();
  CHECK(f.refusal(a) == errc::signature_invalid);
}

TEST_CASE("a signature by another key is refused, for every algorithm") {
  for (const auto type : test_support::all_key_types) {
    CAPTURE(test_support::name_of(type));
    fixture f(type);
    auto a = f.sign();
    a.key = test_support::make_key(type);
    a.sign();
    CHECK(f.refusal(a) == errc::signature_invalid);
  }
}

TEST_CASE("a signature that is not DER is refused as malformed") {
  fixture f;
  auto a = f.sign();
  a.signature.resize(a.signature.size() - 1);
  CHECK(f.refusal(a) == errc::signature_malformed);
}

TEST_CASE("a signature counter that does not increase is refused") {
  fixture f;
  f.stored.sign_count = 10;
  for (const std::uint32_t count : {10u, 9u, 0u}) {
    CAPTURE(count);
    assertion_options options;
    options.sign_count = count;
    CHECK(f.refusal(f.sign(options)) == errc::counter_not_increased);
  }
  assertion_options options;
  options.sign_count = 11;
  CHECK(f.verify(f.sign(options))->sign_count == 11);
}

TEST_CASE("an authenticator whose counter stays 0 keeps working") {
  fixture f;
  assertion_options options;
  options.sign_count = 0;
  for (int i = 0; i < 3; ++i) {
    const auto r = f.verify(f.sign(options));
    REQUIRE(r.has_value());
    CHECK(r->sign_count == 0);
  }
}

TEST_CASE("a stored key that does not parse is refused, not trusted") {
  fixture f;
  f.stored.public_key = {0xa0};
  CHECK(f.refusal(f.sign()) == errc::cose_key_malformed);
}
