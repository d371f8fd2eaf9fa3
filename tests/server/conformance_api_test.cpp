// The FIDO conformance-testing API over real HTTP: off unless asked for, a
// name registered then signed in with no other set-up, refusals in the
// published form, and its users kept apart from the accounts.
#include "api_client.hpp"
#include "server_process.hpp"

#include "common/encoding.hpp"

#include <doctest/doctest.h>

using server::http::verb;
using test_support::api_client;
using test_support::json_of;
using test_support::kOrigin;
using test_support::server_process;

namespace {

// The conformance form of a registration: no rawId needed, extension
// outputs under getClientExtensionResults.
nlohmann::json conformance_form(nlohmann::json credential) {
  credential.erase("rawId");
  credential["getClientExtensionResults"] =
      credential.value("clientExtensionResults", nlohmann::json::object());
  credential.erase("clientExtensionResults");
  return credential;
}

test_support::credential register_name(api_client& client,
                                       const std::string& name) {
  auto options = client.post(
      "/attestation/options",
      {{"username", name},
       {"displayName", "Tester " + name},
       {"authenticatorSelection", {{"userVerification", "preferred"}}},
       {"attestation", "direct"}});
  REQUIRE_MESSAGE(options.result_int() == 200, options.body());
  const auto answer = json_of(options);
  CHECK(answer["status"] == "ok");
  CHECK(answer["errorMessage"] == "");
  test_support::registration_options r;
  r.origin = kOrigin;
  r.format = test_support::attestation_format::packed_x5c;
  const auto challenge =
      common::base64url_decode(answer["challenge"].get<std::string>());
  REQUIRE(challenge.has_value());
  r.challenge = *challenge;
  const auto handle =
      common::base64url_decode(answer["user"]["id"].get<std::string>());
  REQUIRE(handle.has_value());
  r.user_handle = *handle;
  const auto reg = test_support::make_registration(r);
  const auto result =
      client.post("/attestation/result", conformance_form(reg.to_json()));
  REQUIRE_MESSAGE(result.result_int() == 200, result.body());
  CHECK(json_of(result)["status"] == "ok");
  return reg.to_credential();
}

server::response assert_name(api_client& client, test_support::credential& key,
                             const std::string& name) {
  auto options =
      client.post("/assertion/options",
                  {{"username", name}, {"userVerification", "preferred"}});
  if (options.result_int() != 200)
    return options;
  const auto answer = json_of(options);
  test_support::assertion_options a;
  a.origin = kOrigin;
  const auto challenge =
      common::base64url_decode(answer["challenge"].get<std::string>());
  REQUIRE(challenge.has_value());
  a.challenge = *challenge;
  auto assertion = test_support::make_assertion(key, a).to_json();
  assertion.erase("rawId");
  return client.post("/assertion/result", assertion);
}

}  // namespace

TEST_CASE("the conformance API is off unless asked for") {
  server_process server;
  api_client client(server.port(), kOrigin);
  const auto res = client.post("/attestation/options",
                               {{"username", "a"}, {"displayName", "A"}});
  CHECK(res.result_int() == 404);
}

TEST_CASE("a conformance client registers a name and signs in") {
  server_process server({"--conformance-api"});
  api_client client(server.port(), kOrigin);
  auto key = register_name(client, "tester-1");
  const auto res = assert_name(client, key, "tester-1");
  CHECK_MESSAGE(res.result_int() == 200, res.body());
  CHECK(json_of(res)["status"] == "ok");
  // A second credential for the same name is excluded from the options.
  const auto again =
      json_of(client.post("/attestation/options",
                          {{"username", "tester-1"}, {"displayName", "T"}}));
  REQUIRE(again["excludeCredentials"].size() == 1);
  CHECK(again["excludeCredentials"][0]["id"] ==
        common::base64url_encode(key.id));
}

TEST_CASE("conformance refusals answer 400 with status failed") {
  server_process server({"--conformance-api"});
  api_client client(server.port(), kOrigin);
  auto key = register_name(client, "tester-2");
  for (const auto& body :
       {nlohmann::json::object(), nlohmann::json({{"username", 5}}),
        nlohmann::json({{"username", ""}, {"displayName", "x"}}),
        nlohmann::json({{"username", "u"},
                        {"displayName", "x"},
                        {"attestation", "loud"}})}) {
    CAPTURE(body.dump());
    const auto res = client.post("/attestation/options", body);
    CHECK(res.result_int() == 400);
    const auto answer = json_of(res);
    CHECK(answer["status"] == "failed");
    CHECK_FALSE(answer["errorMessage"].get<std::string>().empty());
  }
  // Unknown names are refused; a result without options is refused; a
  // replayed assertion is refused.
  auto res = client.post("/assertion/options", {{"username", "nobody"}});
  CHECK(json_of(res)["status"] == "failed");
  res = client.post("/assertion/result", nlohmann::json::object());
  CHECK(json_of(res)["status"] == "failed");
  const auto options =
      json_of(client.post("/assertion/options", {{"username", "tester-2"}}));
  test_support::assertion_options a;
  a.origin = kOrigin;
  a.challenge =
      *common::base64url_decode(options["challenge"].get<std::string>());
  const auto assertion = test_support::make_assertion(key, a).to_json();
  CHECK(client.post("/assertion/result", assertion).result_int() == 200);
  res = client.post("/assertion/result", assertion);
  CHECK(res.result_int() == 400);
  CHECK(json_of(res)["status"] == "failed");
  res = client.send(verb::post, "/attestation/result", "{not json", {});
  CHECK(json_of(res)["status"] == "failed");

  // A refused assertion spends its ceremony: the good one after it fails.
  const auto spent =
      json_of(client.post("/assertion/options", {{"username", "tester-2"}}));
  a.challenge =
      *common::base64url_decode(spent["challenge"].get<std::string>());
  test_support::assertion_options elsewhere = a;
  elsewhere.origin = "https://evil.example";
  res = client.post("/assertion/result",
                    test_support::make_assertion(key, elsewhere).to_json());
  CHECK(res.result_int() == 400);
  res = client.post("/assertion/result",
                    test_support::make_assertion(key, a).to_json());
  CHECK(res.result_int() == 400);
  CHECK(json_of(res)["status"] == "failed");
}

TEST_CASE("a conformance assertion with a member named twice is refused") {
  server_process server({"--conformance-api"});
  api_client client(server.port(), kOrigin);
  auto key = register_name(client, "tester-3");
  const auto options =
      json_of(client.post("/assertion/options", {{"username", "tester-3"}}));
  test_support::assertion_options a;
  a.origin = kOrigin;
  a.challenge =
      *common::base64url_decode(options["challenge"].get<std::string>());
  auto assertion = test_support::make_assertion(key, a).to_json();
  // A second "type" after the good one: the text names the member twice,
  // which a parsed object would have hidden.
  std::string text = assertion.dump();
  text.insert(text.size() - 1, R"(,"type":"public-key")");
  auto res = client.send(verb::post, "/assertion/result", text,
                         {{"Content-Type", "application/json"}});
  CHECK(res.result_int() == 400);
  CHECK(json_of(res)["status"] == "failed");
  CHECK(json_of(res)["errorMessage"].get<std::string>().find(
            "(json_malformed)") != std::string::npos);
  // The same assertion once: the ceremony was spent by the refusal.
  res = client.post("/assertion/result", assertion);
  CHECK(res.result_int() == 400);
}

TEST_CASE("conformance users and accounts cannot reach each other") {
  server_process server({"--conformance-api"});
  api_client client(server.port(), kOrigin);
  auto account = test_support::sign_up(client, "alice");
  // The account's name is unknown to the conformance API.
  auto res = assert_name(client, account.key, "alice");
  CHECK(res.result_int() == 400);
  CHECK(json_of(res)["status"] == "failed");
  // A conformance user of the same name is another person, and their key
  // cannot sign in to the accounts, with or without a name.
  api_client tool(server.port(), kOrigin);
  auto tester = register_name(tool, "alice");
  api_client browser(server.port(), kOrigin);
  res = test_support::sign_in(browser, tester, "alice");
  CHECK(res.result_int() == 401);
  res = test_support::sign_in(browser, tester);
  CHECK(res.result_int() == 401);
  // The account still signs in as itself.
  res = test_support::sign_in(browser, account.key, "alice");
  CHECK(res.result_int() == 200);
}
