// Ceremony options in the WebAuthn Level 3 JSON form, and the expectations
// built from them: checked member by member, refused when unsafe, and
// carried end to end through the software authenticator.
#include "webauthn/options.hpp"

#include "common/encoding.hpp"
#include "tests/support/soft_authenticator.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using nlohmann::json;
using webauthn::cose_algorithm;
using webauthn::credential_hint;
using webauthn::errc;
using webauthn::resident_key_requirement;
using webauthn::user_verification;

namespace {

const webauthn::relying_party kRp{
    "localhost", {"http://localhost:8080"}, false, {}};

webauthn::creation_options_input creation_input() {
  webauthn::creation_options_input input;
  input.rp = &kRp;
  input.rp_name = "Latchkey";
  input.user.name = "alice@example.com";
  input.user.display_name = "Alice";
  return input;
}

webauthn::request_options_input request_input() {
  webauthn::request_options_input input;
  input.rp = &kRp;
  return input;
}

std::set<std::string> member_names(const json& object) {
  std::set<std::string> names;
  for (const auto& [name, value] : object.items())
    names.insert(name);
  return names;
}

common::bytes decoded(const json& text) {
  REQUIRE(text.is_string());
  auto bytes = common::base64url_decode(text.get<std::string>());
  REQUIRE(bytes.has_value());
  return *bytes;
}

template <class T>
errc refusal(const webauthn::result<T>& r) {
  REQUIRE(r.has_error());
  return static_cast<errc>(r.error().value());
}

webauthn::creation_options creation(
    const webauthn::creation_options_input& input) {
  auto options = webauthn::make_creation_options(input);
  REQUIRE(options.has_value());
  return *options;
}

webauthn::request_options request(
    const webauthn::request_options_input& input) {
  auto options = webauthn::make_request_options(input);
  REQUIRE(options.has_value());
  return *options;
}

}  // namespace

TEST_CASE("creation options have exactly the Level 3 members and defaults") {
  const auto options = creation(creation_input());
  const json& j = options.json;
  CHECK(member_names(j) == std::set<std::string>{"rp", "user", "challenge",
                                                 "pubKeyCredParams", "timeout",
                                                 "excludeCredentials",
                                                 "authenticatorSelection",
                                                 "attestation", "extensions"});
  CHECK(j["rp"] == json{{"id", "localhost"}, {"name", "Latchkey"}});
  CHECK(member_names(j["user"]) ==
        std::set<std::string>{"id", "name", "displayName"});
  CHECK(j["user"]["name"] == "alice@example.com");
  CHECK(j["user"]["displayName"] == "Alice");
  CHECK(j["timeout"].is_number_unsigned());
  CHECK(j["timeout"] == 300000);
  CHECK(j["excludeCredentials"] == json::array());
  CHECK(j["authenticatorSelection"] == json{{"residentKey", "preferred"},
                                            {"requireResidentKey", false},
                                            {"userVerification", "preferred"}});
  CHECK(j["attestation"] == "none");
  CHECK(j["extensions"] == json{{"credProps", true}});
  CHECK(options.uv == user_verification::preferred);
}

TEST_CASE("creation options offer the default algorithms in order") {
  const auto options = creation(creation_input());
  const json expected = json::parse(
      R"([{"type":"public-key","alg":-7},{"type":"public-key","alg":-8},
          {"type":"public-key","alg":-35},{"type":"public-key","alg":-36},
          {"type":"public-key","alg":-257},{"type":"public-key","alg":-37}])");
  CHECK(options.json["pubKeyCredParams"] == expected);
  CHECK(options.algorithms ==
        std::vector<cose_algorithm>(std::begin(webauthn::kDefaultAlgorithms),
                                    std::end(webauthn::kDefaultAlgorithms)));
}

TEST_CASE("creation options offer configured algorithms only") {
  auto input = creation_input();
  input.algorithms = {cose_algorithm::ed25519, cose_algorithm::es256};
  const auto options = creation(input);
  CHECK(options.json["pubKeyCredParams"] ==
        json::parse(R"([{"type":"public-key","alg":-19},
                        {"type":"public-key","alg":-7}])"));
  CHECK(options.algorithms == input.algorithms);
}

TEST_CASE("the creation challenge is 32 fresh random bytes, base64url") {
  const auto first = creation(creation_input());
  const auto second = creation(creation_input());
  CHECK(first.challenge.size() == 32);
  CHECK(decoded(first.json["challenge"]) == first.challenge);
  CHECK(first.challenge != second.challenge);
  CHECK(first.challenge != common::bytes(32, 0));
}

TEST_CASE("a longer challenge is drawn when asked for") {
  auto input = creation_input();
  input.challenge_size = 48;
  const auto options = creation(input);
  CHECK(options.challenge.size() == 48);
  CHECK(decoded(options.json["challenge"]) == options.challenge);
}

TEST_CASE("a missing user handle becomes 64 fresh random bytes") {
  const auto first = creation(creation_input());
  const auto second = creation(creation_input());
  CHECK(first.user_handle.size() == 64);
  CHECK(decoded(first.json["user"]["id"]) == first.user_handle);
  CHECK(first.user_handle != second.user_handle);
}

TEST_CASE("a given user handle is sent unchanged") {
  auto input = creation_input();
  input.user.handle = common::bytes(16, 0xAB);
  const auto options = creation(input);
  CHECK(options.user_handle == input.user.handle);
  CHECK(decoded(options.json["user"]["id"]) == input.user.handle);
}

TEST_CASE("excludeCredentials carry ids and known transports") {
  auto input = creation_input();
  input.exclude = {{common::bytes{1, 2, 3}, {"usb", "nfc"}},
                   {common::bytes{4, 5}, {}}};
  const auto options = creation(input);
  const json& list = options.json["excludeCredentials"];
  REQUIRE(list.size() == 2);
  CHECK(list[0] == json{{"type", "public-key"},
                        {"id", "AQID"},
                        {"transports", {"usb", "nfc"}}});
  CHECK(list[1] == json{{"type", "public-key"}, {"id", "BAU"}});
}

TEST_CASE("requireResidentKey is true exactly when residentKey is required") {
  const std::pair<resident_key_requirement, bool> cases[] = {
      {resident_key_requirement::discouraged, false},
      {resident_key_requirement::preferred, false},
      {resident_key_requirement::required, true},
  };
  for (const auto& [rk, required] : cases) {
    auto input = creation_input();
    input.resident_key = rk;
    const json selection = creation(input).json["authenticatorSelection"];
    CHECK(selection["residentKey"] == webauthn::to_string(rk));
    CHECK(selection["requireResidentKey"] == required);
  }
}

TEST_CASE("creation options carry attachment, uv, attestation and hints") {
  auto input = creation_input();
  input.attachment = webauthn::authenticator_attachment::cross_platform;
  input.uv = user_verification::required;
  input.attestation = webauthn::attestation_conveyance::enterprise;
  input.hints = {credential_hint::security_key, credential_hint::hybrid,
                 credential_hint::client_device};
  input.timeout = std::chrono::seconds(90);
  const auto options = creation(input);
  const json& j = options.json;
  CHECK(j["authenticatorSelection"]["authenticatorAttachment"] ==
        "cross-platform");
  CHECK(j["authenticatorSelection"]["userVerification"] == "required");
  CHECK(j["attestation"] == "enterprise");
  CHECK(j["hints"] == json{"security-key", "hybrid", "client-device"});
  CHECK(j["timeout"] == 90000);
  CHECK(options.uv == user_verification::required);
}

TEST_CASE("enum values have the spec's spelling") {
  using webauthn::attestation_conveyance;
  using webauthn::authenticator_attachment;
  CHECK(webauthn::to_string(authenticator_attachment::platform) == "platform");
  CHECK(webauthn::to_string(attestation_conveyance::none) == "none");
  CHECK(webauthn::to_string(attestation_conveyance::indirect) == "indirect");
  CHECK(webauthn::to_string(attestation_conveyance::direct) == "direct");
  CHECK(webauthn::to_string(resident_key_requirement::discouraged) ==
        "discouraged");
}

TEST_CASE("credProps is left out when not asked for") {
  auto input = creation_input();
  input.cred_props = false;
  CHECK_FALSE(creation(input).json.contains("extensions"));
}

TEST_CASE("no_rp refuses options with relying_party_missing") {
  auto creation_in = creation_input();
  creation_in.rp = nullptr;
  CHECK(refusal(webauthn::make_creation_options(creation_in)) ==
        errc::relying_party_missing);
  auto request_in = request_input();
  request_in.rp = nullptr;
  CHECK(refusal(webauthn::make_request_options(request_in)) ==
        errc::relying_party_missing);
}

TEST_CASE("short_challenge is refused with challenge_too_short") {
  auto creation_in = creation_input();
  creation_in.challenge_size = 31;
  CHECK(refusal(webauthn::make_creation_options(creation_in)) ==
        errc::challenge_too_short);
  auto request_in = request_input();
  request_in.challenge_size = 16;
  CHECK(refusal(webauthn::make_request_options(request_in)) ==
        errc::challenge_too_short);
}

TEST_CASE("long_user_handle is refused with user_handle_too_long") {
  auto input = creation_input();
  input.user.handle = common::bytes(65, 1);
  CHECK(refusal(webauthn::make_creation_options(input)) ==
        errc::user_handle_too_long);
  input.user.handle.pop_back();
  CHECK(webauthn::make_creation_options(input).has_value());
}

TEST_CASE("bad_timeout is refused with timeout_out_of_range") {
  using std::chrono::milliseconds;
  for (const milliseconds timeout :
       {milliseconds(0), milliseconds(-1), milliseconds(0x100000000)}) {
    CAPTURE(timeout.count());
    auto creation_in = creation_input();
    creation_in.timeout = timeout;
    CHECK(refusal(webauthn::make_creation_options(creation_in)) ==
          errc::timeout_out_of_range);
    auto request_in = request_input();
    request_in.timeout = timeout;
    CHECK(refusal(webauthn::make_request_options(request_in)) ==
          errc::timeout_out_of_range);
  }
}

TEST_CASE("unknown_algorithm is never offered") {
  auto input = creation_input();
  input.algorithms = {cose_algorithm::es256, static_cast<cose_algorithm>(-65)};
  CHECK(refusal(webauthn::make_creation_options(input)) ==
        errc::cose_key_algorithm_unsupported);
}

TEST_CASE("long_credential_id in exclude or allow lists is refused") {
  const webauthn::credential_descriptor too_long{common::bytes(1024, 1), {}};
  auto creation_in = creation_input();
  creation_in.exclude = {too_long};
  CHECK(refusal(webauthn::make_creation_options(creation_in)) ==
        errc::credential_id_too_long);
  auto request_in = request_input();
  request_in.allow = {too_long};
  CHECK(refusal(webauthn::make_request_options(request_in)) ==
        errc::credential_id_too_long);
}

TEST_CASE("request options have exactly the Level 3 members and defaults") {
  const auto options = request(request_input());
  const json& j = options.json;
  CHECK(member_names(j) == std::set<std::string>{"rpId", "challenge", "timeout",
                                                 "allowCredentials",
                                                 "userVerification"});
  CHECK(j["rpId"] == "localhost");
  CHECK(j["timeout"].is_number_unsigned());
  CHECK(j["timeout"] == 300000);
  CHECK(j["allowCredentials"] == json::array());
  CHECK(j["userVerification"] == "preferred");
  CHECK(options.challenge.size() == 32);
  CHECK(decoded(j["challenge"]) == options.challenge);
  CHECK(options.challenge != request(request_input()).challenge);
}

TEST_CASE("allowCredentials carry ids and transports, hints and uv sent") {
  auto input = request_input();
  input.allow = {{common::bytes{9, 9, 9}, {"internal", "hybrid"}}};
  input.uv = user_verification::required;
  input.hints = {credential_hint::client_device};
  const auto options = request(input);
  CHECK(options.json["allowCredentials"] ==
        json::array({{{"type", "public-key"},
                      {"id", "CQkJ"},
                      {"transports", {"internal", "hybrid"}}}}));
  CHECK(options.json["userVerification"] == "required");
  CHECK(options.json["hints"] == json{"client-device"});
  CHECK(options.allowed_credentials ==
        std::vector<common::bytes>{common::bytes{9, 9, 9}});
}

namespace {

struct registration_case {
  webauthn::creation_options options;
  webauthn::registration_expectation expect;

  explicit registration_case(webauthn::creation_options_input input)
      : options(creation(input)),
        expect(webauthn::expectation_for(
            options, [](common::byte_view) { return false; }, nullptr,
            std::chrono::system_clock::now())) {}

  webauthn::result<webauthn::new_credential> verify(
      test_support::registration_options reg_options) const {
    reg_options.user_handle = options.user_handle;
    const auto reg = test_support::make_registration(reg_options);
    const auto response =
        webauthn::parse_registration_response(reg.to_json_text());
    REQUIRE(response.has_value());
    return webauthn::verify_registration(*response, expect);
  }
};

test_support::registration_options with_challenge(common::bytes challenge) {
  test_support::registration_options reg_options;
  reg_options.challenge = std::move(challenge);
  return reg_options;
}

}  // namespace

TEST_CASE("the registration expectation follows its options") {
  auto input = creation_input();
  input.uv = user_verification::required;
  input.algorithms = {cose_algorithm::es256};
  const registration_case c(input);
  CHECK(c.expect.rp == &kRp);
  CHECK(c.expect.challenge == c.options.challenge);
  CHECK(c.expect.uv == user_verification::required);
  CHECK(c.expect.algorithms == input.algorithms);
  CHECK(c.expect.is_registered);
}

TEST_CASE("options to registration: the issued challenge is accepted") {
  const registration_case c(creation_input());
  const auto r = c.verify(with_challenge(c.options.challenge));
  REQUIRE(r.has_value());
  CHECK(r->algorithm == cose_algorithm::es256);
}

TEST_CASE("options to registration: another challenge is refused") {
  const registration_case c(creation_input());
  const auto other = creation(creation_input()).challenge;
  CHECK(refusal(c.verify(with_challenge(other))) == errc::challenge_mismatch);
}

TEST_CASE("options to registration: required uv and offered algorithms") {
  auto input = creation_input();
  input.uv = user_verification::required;
  input.algorithms = {cose_algorithm::es256};
  const registration_case c(input);

  auto no_uv = with_challenge(c.options.challenge);
  no_uv.flags.uv = false;
  CHECK(refusal(c.verify(no_uv)) == errc::user_verification_missing);

  auto es384 = with_challenge(c.options.challenge);
  es384.key = test_support::key_type::es384;
  CHECK(refusal(c.verify(es384)) == errc::algorithm_not_allowed);
}

namespace {

// A credential registered earlier, as the store would hold it.
struct sign_in_case {
  test_support::credential cred;
  webauthn::stored_credential stored;

  sign_in_case() {
    const auto reg = test_support::make_registration();
    cred = reg.to_credential();
    stored.id = cred.id;
    stored.public_key = reg.key.cose_bytes();
    stored.sign_count = cred.sign_count;
    stored.user_handle = cred.user_handle;
  }

  webauthn::request_options_input input() const {
    auto in = request_input();
    in.allow = {{cred.id, {"usb"}}};
    in.user_handle = cred.user_handle;
    return in;
  }

  webauthn::result<webauthn::authentication_result> verify(
      const webauthn::request_options& options, common::bytes challenge) {
    test_support::assertion_options assertion_options;
    assertion_options.challenge = std::move(challenge);
    const auto a = test_support::make_assertion(cred, assertion_options);
    const auto response =
        webauthn::parse_authentication_response(a.to_json_text());
    REQUIRE(response.has_value());
    return webauthn::verify_authentication(*response, stored,
                                           webauthn::expectation_for(options));
  }
};

}  // namespace

TEST_CASE("the authentication expectation follows its options") {
  const sign_in_case c;
  auto input = c.input();
  input.uv = user_verification::required;
  const auto options = request(input);
  const auto expect = webauthn::expectation_for(options);
  CHECK(expect.rp == &kRp);
  CHECK(expect.challenge == options.challenge);
  CHECK(expect.uv == user_verification::required);
  CHECK(expect.allowed_credentials == std::vector<common::bytes>{c.cred.id});
  CHECK(expect.user_handle == c.cred.user_handle);
}

TEST_CASE("options to assertion: the issued challenge is accepted") {
  sign_in_case c;
  const auto options = request(c.input());
  const auto r = c.verify(options, options.challenge);
  REQUIRE(r.has_value());
  CHECK(r->sign_count == 1);
}

TEST_CASE("options to assertion: another challenge is refused") {
  sign_in_case c;
  const auto options = request(c.input());
  const auto other = request(c.input()).challenge;
  CHECK(refusal(c.verify(options, other)) == errc::challenge_mismatch);
}

TEST_CASE("options to assertion: a credential not allowed is refused") {
  sign_in_case c;
  auto input = c.input();
  input.allow = {{common::bytes(32, 0x55), {}}};
  const auto options = request(input);
  CHECK(refusal(c.verify(options, options.challenge)) ==
        errc::credential_not_allowed);
}

TEST_CASE("options to assertion: usernameless sign-in allows any credential") {
  sign_in_case c;
  auto input = request_input();
  const auto options = request(input);
  CHECK(options.json["allowCredentials"] == json::array());
  CHECK_FALSE(options.user_handle.has_value());
  CHECK(c.verify(options, options.challenge).has_value());
}
