#include "webauthn/credential_json.hpp"

#include "builders.hpp"

#include <doctest/doctest.h>

using nlohmann::json;
using webauthn::credential_json_form;
using webauthn::errc;

namespace {

json sample(std::string_view name) {
  return json::parse(test::read_data(name));
}

errc registration_error(const json& value, credential_json_form form =
                                               credential_json_form::browser) {
  const auto r = webauthn::parse_registration_response(value, form);
  REQUIRE(r.has_error());
  return static_cast<errc>(r.error().value());
}

errc authentication_error(
    const json& value,
    credential_json_form form = credential_json_form::browser) {
  const auto r = webauthn::parse_authentication_response(value, form);
  REQUIRE(r.has_error());
  return static_cast<errc>(r.error().value());
}

}  // namespace

TEST_CASE("valid_browser_registration_from_text") {
  const std::string text = test::read_data("registration_browser.json");
  const auto parsed = webauthn::parse_registration_response(text);
  REQUIRE(parsed);
  CHECK(parsed->id.size() == 32);
  CHECK(parsed->id_text == sample("registration_browser.json")["id"]);
  CHECK(parsed->type == "public-key");
  CHECK(parsed->client_data_json.front() == '{');
  CHECK(parsed->attestation_object.front() == 0xa3);
  CHECK(parsed->transports == std::vector<std::string>{"usb", "nfc"});
  CHECK(parsed->authenticator_attachment == "cross-platform");
  CHECK(parsed->client_extension_results["credProps"]["rk"] == false);
}

TEST_CASE("valid_conformance_registration_without_raw_id") {
  const std::string text = test::read_data("registration_conformance.json");
  const auto parsed = webauthn::parse_registration_response(
      text, credential_json_form::conformance);
  REQUIRE(parsed);
  CHECK(parsed->transports.empty());
  CHECK_FALSE(parsed->authenticator_attachment);
  CHECK(parsed->client_extension_results == json::object());
  // The browser form requires rawId.
  CHECK(webauthn::parse_registration_response(text).error() ==
        errc::json_missing_member);
}

TEST_CASE("valid_browser_authentication_with_user_handle") {
  const auto parsed = webauthn::parse_authentication_response(
      test::read_data("authentication_browser.json"));
  REQUIRE(parsed);
  CHECK(parsed->authenticator_data.size() == 37);
  CHECK(parsed->signature.front() == 0x30);
  REQUIRE(parsed->user_handle);
  CHECK(parsed->user_handle->size() == 32);
}

TEST_CASE("valid_conformance_authentication_with_empty_user_handle") {
  const auto parsed = webauthn::parse_authentication_response(
      test::read_data("authentication_conformance.json"),
      credential_json_form::conformance);
  REQUIRE(parsed);
  CHECK_FALSE(parsed->user_handle);
  json value = sample("authentication_browser.json");
  value["response"]["userHandle"] = nullptr;
  CHECK_FALSE(webauthn::parse_authentication_response(value)->user_handle);
  value["response"].erase("userHandle");
  CHECK_FALSE(webauthn::parse_authentication_response(value)->user_handle);
}

TEST_CASE("junk_text_is_json_malformed") {
  using webauthn::parse_registration_response;
  CHECK(parse_registration_response("").error() == errc::json_malformed);
  CHECK(parse_registration_response("{").error() == errc::json_malformed);
  CHECK(parse_registration_response("[]").error() == errc::json_malformed);
  CHECK(parse_registration_response(std::string(5000, '[')).error() ==
        errc::json_malformed);
  CHECK(parse_registration_response(R"({"id":"AA","id":"AA"})").error() ==
        errc::json_malformed);
  CHECK(webauthn::parse_authentication_response("null").error() ==
        errc::json_malformed);
}

TEST_CASE("no_input_over_64_kib") {
  json value = sample("registration_browser.json");
  value["padding"] = std::string(webauthn::kCredentialJsonMaxSize, 'a');
  CHECK(webauthn::parse_registration_response(value.dump()).error() ==
        errc::input_too_large);
  json huge = sample("authentication_browser.json");
  huge["response"]["signature"] =
      std::string(webauthn::kCredentialJsonMaxSize + 4, 'A');
  CHECK(authentication_error(huge) == errc::input_too_large);
}

TEST_CASE("junk_type_is_not_public_key") {
  json value = sample("registration_browser.json");
  value["type"] = "password";
  CHECK(registration_error(value) == errc::credential_type_invalid);
  value["type"] = 1;
  CHECK(registration_error(value) == errc::json_wrong_type);
  value.erase("type");
  CHECK(registration_error(value) == errc::json_missing_member);
}

TEST_CASE("junk_id_and_raw_id_differ_or_are_too_long") {
  json value = sample("authentication_browser.json");
  value["rawId"] = "AAAA";
  CHECK(authentication_error(value) == errc::credential_id_mismatch);
  const std::string long_id = common::base64url_encode(test::bytes(1024, 7));
  value["id"] = long_id;
  value["rawId"] = long_id;
  CHECK(authentication_error(value) == errc::credential_id_too_long);
  const std::string max_id = common::base64url_encode(test::bytes(1023, 7));
  value["id"] = max_id;
  value["rawId"] = max_id;
  CHECK(webauthn::parse_authentication_response(value));
}

TEST_CASE("no_required_member_missing") {
  for (const char* member : {"id", "rawId", "response"}) {
    CAPTURE(member);
    json value = sample("registration_browser.json");
    value.erase(member);
    CHECK(registration_error(value) == errc::json_missing_member);
  }
  for (const char* member : {"clientDataJSON", "attestationObject"}) {
    CAPTURE(member);
    json value = sample("registration_browser.json");
    value["response"].erase(member);
    CHECK(registration_error(value) == errc::json_missing_member);
  }
  for (const char* member :
       {"clientDataJSON", "authenticatorData", "signature"}) {
    CAPTURE(member);
    json value = sample("authentication_browser.json");
    value["response"].erase(member);
    CHECK(authentication_error(value) == errc::json_missing_member);
  }
}

TEST_CASE("junk_members_of_the_wrong_type") {
  const auto registration = [](auto&& edit) {
    json value = sample("registration_browser.json");
    edit(value);
    return registration_error(value);
  };
  CHECK(registration([](json& v) { v["id"] = 5; }) == errc::json_wrong_type);
  CHECK(registration([](json& v) { v["rawId"] = json::array(); }) ==
        errc::json_wrong_type);
  CHECK(registration([](json& v) { v["response"] = "x"; }) ==
        errc::json_wrong_type);
  CHECK(registration([](json& v) { v["response"]["transports"] = "usb"; }) ==
        errc::json_wrong_type);
  CHECK(registration([](json& v) { v["response"]["transports"] = {1}; }) ==
        errc::json_wrong_type);
  CHECK(registration([](json& v) { v["authenticatorAttachment"] = 1; }) ==
        errc::json_wrong_type);
  CHECK(registration([](json& v) { v["clientExtensionResults"] = 1; }) ==
        errc::json_wrong_type);
  CHECK(registration([](json& v) {
          v["response"]["attestationObject"] = nullptr;
        }) == errc::json_wrong_type);
  json value = sample("authentication_browser.json");
  value["response"]["userHandle"] = 7;
  CHECK(authentication_error(value) == errc::json_wrong_type);
}

TEST_CASE("junk_base64url_members") {
  json value = sample("authentication_browser.json");
  value["response"]["signature"] = "MEUC+Q==";
  CHECK(authentication_error(value) == errc::base64url_invalid);
  value = sample("authentication_browser.json");
  value["id"] = "quNk/brl";
  CHECK(authentication_error(value) == errc::base64url_invalid);
  value = sample("authentication_browser.json");
  value["response"]["userHandle"] = "A";
  CHECK(authentication_error(value) == errc::base64url_invalid);
}

TEST_CASE("conformance_extension_results_under_either_name") {
  json value = sample("registration_conformance.json");
  value["getClientExtensionResults"] = {{"appid", true}};
  const auto parsed = webauthn::parse_registration_response(
      value, credential_json_form::conformance);
  REQUIRE(parsed);
  CHECK(parsed->client_extension_results["appid"] == true);
  value["clientExtensionResults"] = json::object();
  CHECK(registration_error(value, credential_json_form::conformance) ==
        errc::json_malformed);
  // The browser form ignores the conformance name as an unknown member.
  value = sample("registration_browser.json");
  value["getClientExtensionResults"] = 5;
  CHECK(webauthn::parse_registration_response(value));
}
