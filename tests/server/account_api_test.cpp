// The account API over real HTTP against the real server, with software
// authenticators: every flow, and the ways around it refused.
#include "api_client.hpp"
#include "server_process.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "server/account_routes.hpp"
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>

using server::http::field;
using server::http::verb;
using test_support::api_client;
using test_support::code_of;
using test_support::json_of;
using test_support::kOrigin;
using test_support::server_process;

namespace {

// Opens the server's database beside it, as a second node or an operator
// would.
std::unique_ptr<storage::store> open_database(const server_process& server) {
  storage::sqlite_options options;
  options.path = server.folder() + "/latchkey.db";
  auto opened = storage::open_sqlite_store(options);
  REQUIRE_MESSAGE(opened.has_value(), opened.error().message);
  return std::move(*opened);
}

nlohmann::json options_for(api_client& client, const std::string& path,
                           const nlohmann::json& body) {
  const auto res = client.post(path, body);
  REQUIRE_MESSAGE(res.result_int() == 200, res.body());
  return json_of(res);
}

// The set-cookie header that sets `name`, as sent.
std::string set_cookie_of(const server::response& res, std::string_view name) {
  const auto [first, last] = res.equal_range(field::set_cookie);
  for (auto it = first; it != last; ++it) {
    if (std::string_view(it->value()).starts_with(std::string(name) + "="))
      return std::string(it->value());
  }
  return {};
}

}  // namespace

TEST_CASE("sign-up with a passkey gives a session that /me describes") {
  server_process server;
  api_client client(server.port(), kOrigin);
  CHECK(client.get("/api/v1/me").result_int() == 401);
  const auto alice = test_support::sign_up(client, "Alice");
  const auto me = client.get("/api/v1/me");
  REQUIRE(me.result_int() == 200);
  const auto body = json_of(me);
  CHECK(body["user"]["username"] == "alice");
  CHECK(body["user"]["displayName"] == "Person Alice");
  // User verification on a key that cannot be synced: AAL3.
  CHECK(body["session"]["assurance"] == "AAL3");
  CHECK(body["session"]["methods"][0]["type"] == "passkey");
  CHECK(body["factors"]["credentials"] == 1);
  CHECK(me[field::cache_control] == "no-store");
}

TEST_CASE("the session cookie is HttpOnly and SameSite=Strict") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto options =
      client.post("/api/v1/signin/options", nlohmann::json::object());
  const auto ceremony = set_cookie_of(options, "latchkey-ceremony");
  CHECK(ceremony.find("HttpOnly") != std::string::npos);
  CHECK(ceremony.find("SameSite=Strict") != std::string::npos);
  CHECK(ceremony.find("Secure") == std::string::npos);
  test_support::sign_up(client, "carol");
  CHECK(client.cookies.contains("latchkey-session"));
}

TEST_CASE("an https origin gives __Host- cookies with Secure") {
  server_process server(
      {"--rp-id", "example.com", "--origin", "https://login.example.com"});
  api_client client(server.port(), "https://login.example.com");
  const auto options =
      client.post("/api/v1/signin/options", nlohmann::json::object());
  REQUIRE(options.result_int() == 200);
  const auto cookie = set_cookie_of(options, "__Host-latchkey-ceremony");
  REQUIRE_FALSE(cookie.empty());
  CHECK(cookie.find("; Secure") != std::string::npos);
  CHECK(cookie.find("Path=/") != std::string::npos);
}

TEST_CASE("passkey sign-in works with a username and without one") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto alice = test_support::sign_up(client, "alice");
  api_client browser(server.port(), kOrigin);
  auto res = test_support::sign_in(browser, alice.key, "alice");
  REQUIRE_MESSAGE(res.result_int() == 200, res.body());
  CHECK(json_of(res)["user"]["username"] == "alice");
  CHECK(browser.get("/api/v1/me").result_int() == 200);

  api_client other(server.port(), kOrigin);
  res = test_support::sign_in(other, alice.key);  // discoverable
  REQUIRE_MESSAGE(res.result_int() == 200, res.body());
  CHECK(json_of(res)["user"]["username"] == "alice");
}

TEST_CASE("a sign-in without user verification is a single factor") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto bob = test_support::sign_up(client, "bob");
  api_client browser(server.port(), kOrigin);
  test_support::assertion_options no_uv;
  no_uv.flags = test_support::auth_flags{};
  no_uv.flags->uv = false;
  const auto res = test_support::sign_in(browser, bob.key, "bob", no_uv);
  REQUIRE_MESSAGE(res.result_int() == 200, res.body());
  CHECK(json_of(res)["session"]["assurance"] == "AAL1");
}

TEST_CASE("every sign-in gets a new session token, and sign-out ends it") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto dana = test_support::sign_up(client, "dana");
  const auto first = client.cookies.at("latchkey-session");
  auto old_client = client;
  REQUIRE(test_support::sign_in(client, dana.key, "dana").result_int() == 200);
  const auto second = client.cookies.at("latchkey-session");
  CHECK(first != second);
  // The token from before the sign-in is worth nothing now.
  old_client.cookies["latchkey-session"] = first;
  CHECK(old_client.get("/api/v1/me").result_int() == 401);
  CHECK(client.get("/api/v1/me").result_int() == 200);
  const auto out = client.post("/api/v1/signout", nlohmann::json::object());
  CHECK(out.result_int() == 204);
  CHECK(client.get("/api/v1/me").result_int() == 401);
  old_client.cookies["latchkey-session"] = second;
  CHECK(old_client.get("/api/v1/me").result_int() == 401);
}

TEST_CASE("signing in as someone else while signed in switches accounts") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto erin = test_support::sign_up(client, "erin");
  api_client other(server.port(), kOrigin);
  auto finn = test_support::sign_up(other, "finn");
  const auto erins = client.cookies.at("latchkey-session");
  for (const std::string name : {"finn", ""}) {
    CAPTURE(name);
    const auto res = test_support::sign_in(client, finn.key, name);
    REQUIRE_MESSAGE(res.result_int() == 200, res.body());
    CHECK(json_of(client.get("/api/v1/me"))["user"]["username"] == "finn");
  }
  // Erin's session ended with the switch.
  api_client old_client(server.port(), kOrigin);
  old_client.cookies["latchkey-session"] = erins;
  CHECK(old_client.get("/api/v1/me").result_int() == 401);
  REQUIRE(test_support::sign_in(client, erin.key, "erin").result_int() == 200);
  CHECK(json_of(client.get("/api/v1/me"))["user"]["username"] == "erin");
}

TEST_CASE("a new key's ceremony made out to another user is refused") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto vic = test_support::sign_up(client, "vic");
  api_client other(server.port(), kOrigin);
  test_support::sign_up(other, "wes");
  const auto answer = options_for(client, "/api/v1/credentials/options",
                                  nlohmann::json::object());
  // The API never makes such a ceremony; a damaged or forged row must
  // still not add a key to the wrong account.
  auto db = open_database(server);
  const auto handle =
      common::base64url_decode(answer["ceremony"].get<std::string>());
  REQUIRE(handle.has_value());
  const auto hash = common::sha256(*handle);
  auto row = db->take_ceremony(hash, std::chrono::system_clock::now());
  REQUIRE(row.has_value());
  row->user = db->find_user_by_name("wes")->id;
  REQUIRE(db->put_ceremony(*row).has_value());

  test_support::registration_options r;
  r.origin = kOrigin;
  r.challenge = test_support::challenge_of(answer);
  r.user_handle = vic.key.user_handle;
  const auto key = test_support::make_registration(r);
  const auto res = client.post(
      "/api/v1/credentials/result",
      {{"ceremony", answer["ceremony"]}, {"credential", key.to_json()}});
  CHECK(res.result_int() == 400);
  CHECK(code_of(res) == "ceremony_user_mismatch");
  const auto wes = db->find_user_by_name("wes");
  CHECK(db->list_credentials(wes->id)->size() == 1);
  CHECK(json_of(client.get("/api/v1/credentials"))["credentials"].size() == 1);
}

TEST_CASE("a ceremony finished twice is refused the second time") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto erin = test_support::sign_up(client, "erin");
  const auto answer =
      options_for(client, "/api/v1/signin/options", {{"username", "erin"}});
  test_support::assertion_options a;
  a.origin = kOrigin;
  a.challenge = test_support::challenge_of(answer);
  const auto assertion = test_support::make_assertion(erin.key, a);
  const nlohmann::json body = {{"ceremony", answer["ceremony"]},
                               {"credential", assertion.to_json()}};
  CHECK(client.post("/api/v1/signin/result", body).result_int() == 200);
  const auto again = client.post("/api/v1/signin/result", body);
  CHECK(again.result_int() == 400);
  CHECK(code_of(again) == "ceremony_unknown");
}

TEST_CASE("a refused sign-in result spends its ceremony all the same") {
  // A sign-in result is verified before its ceremony is taken (the commit
  // takes it), so every way of refusing one must take it too.
  server_process server;
  api_client client(server.port(), kOrigin);
  auto ida = test_support::sign_up(client, "ida");
  api_client other(server.port(), kOrigin);
  test_support::sign_up(other, "jon");
  const auto good_assertion = [&](const nlohmann::json& answer) {
    test_support::assertion_options a;
    a.origin = kOrigin;
    a.challenge = test_support::challenge_of(answer);
    return test_support::make_assertion(ida.key, a).to_json();
  };
  struct refusal {
    const char* name;
    std::function<server::response(const nlohmann::json&, api_client&)> post;
    const char* code;
  };
  const refusal refusals[] = {
      {"a signature over another origin",
       [&](const nlohmann::json& answer, api_client& c) {
         test_support::assertion_options a;
         a.origin = "https://evil.example";
         a.challenge = test_support::challenge_of(answer);
         return c.post("/api/v1/signin/result",
                       {{"ceremony", answer["ceremony"]},
                        {"credential",
                         test_support::make_assertion(ida.key, a).to_json()}});
       },
       "sign_in_failed"},
      {"a malformed credential",
       [&](const nlohmann::json& answer, api_client& c) {
         return c.post("/api/v1/signin/result",
                       {{"ceremony", answer["ceremony"]},
                        {"credential", {{"id", "AAAA"}}}});
       },
       "credential_malformed"},
      {"a good assertion from another session",
       [&](const nlohmann::json& answer, api_client&) {
         return other.post("/api/v1/signin/result",
                           {{"ceremony", answer["ceremony"]},
                            {"credential", good_assertion(answer)}});
       },
       "ceremony_session_mismatch"},
      {"a good assertion to the step-up route of a session",
       [&](const nlohmann::json& answer, api_client&) {
         return client.post("/api/v1/reauth/result",
                            {{"ceremony", answer["ceremony"]},
                             {"credential", good_assertion(answer)}});
       },
       "ceremony_purpose_mismatch"},
  };
  for (const auto& r : refusals) {
    CAPTURE(r.name);
    api_client browser(server.port(), kOrigin);
    const auto answer =
        options_for(browser, "/api/v1/signin/options", {{"username", "ida"}});
    const auto refused = r.post(answer, browser);
    CHECK(code_of(refused) == r.code);
    const auto retried = browser.post("/api/v1/signin/result",
                                      {{"ceremony", answer["ceremony"]},
                                       {"credential", good_assertion(answer)}});
    CHECK(retried.result_int() == 400);
    CHECK(code_of(retried) == "ceremony_unknown");
  }
  // And a step-up refused for its signature cannot be retried either.
  const auto step_up =
      options_for(client, "/api/v1/reauth/options", nlohmann::json::object());
  test_support::assertion_options wrong;
  wrong.origin = "https://evil.example";
  wrong.challenge = test_support::challenge_of(step_up);
  auto res = client.post(
      "/api/v1/reauth/result",
      {{"ceremony", step_up["ceremony"]},
       {"credential", test_support::make_assertion(ida.key, wrong).to_json()}});
  CHECK(code_of(res) == "sign_in_failed");
  res = client.post("/api/v1/reauth/result",
                    {{"ceremony", step_up["ceremony"]},
                     {"credential", good_assertion(step_up)}});
  CHECK(code_of(res) == "ceremony_unknown");
}

TEST_CASE("an assertion over another challenge or origin fails sign-in") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto fay = test_support::sign_up(client, "fay");
  test_support::assertion_options foreign;
  foreign.challenge = common::bytes(32, 0x11);
  auto res = test_support::sign_in(client, fay.key, "fay", foreign);
  CHECK(res.result_int() == 401);
  CHECK(code_of(res) == "sign_in_failed");
  test_support::assertion_options elsewhere;
  elsewhere.origin = "https://evil.example";
  res = test_support::sign_in(client, fay.key, "fay", elsewhere);
  CHECK(code_of(res) == "sign_in_failed");
  // The precise reason is in the log, not in the answer.
  CHECK(server.log().find("reason=challenge_mismatch") != std::string::npos);
  CHECK(server.log().find("reason=origin_mismatch") != std::string::npos);
}

TEST_CASE("another user's credential or user handle fails sign-in") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto gus = test_support::sign_up(client, "gus");
  auto hal = test_support::sign_up(client, "hal");
  api_client browser(server.port(), kOrigin);
  // Options for gus, signed with hal's key.
  auto res = test_support::sign_in(browser, hal.key, "gus");
  CHECK(code_of(res) == "sign_in_failed");
  // Usernameless, with gus's key but hal's user handle.
  test_support::assertion_options wrong_handle;
  wrong_handle.user_handle = hal.key.user_handle;
  res = test_support::sign_in(browser, gus.key, {}, wrong_handle);
  CHECK(code_of(res) == "sign_in_failed");
  CHECK(browser.get("/api/v1/me").result_int() == 401);
}

TEST_CASE("a counter that goes back flags the credential and ends sessions") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto ivy = test_support::sign_up(client, "ivy");
  REQUIRE(test_support::sign_in(client, ivy.key, "ivy").result_int() == 200);
  test_support::assertion_options replayed;
  replayed.sign_count = 1;  // the first sign-in used 1 already
  api_client clone(server.port(), kOrigin);
  const auto res = test_support::sign_in(clone, ivy.key, "ivy", replayed);
  CHECK(code_of(res) == "sign_in_failed");
  // The owner's session ended; their next sign-in shows the flag.
  CHECK(client.get("/api/v1/me").result_int() == 401);
  const auto next = test_support::sign_in(client, ivy.key, "ivy");
  REQUIRE(next.result_int() == 200);
  const auto notices = json_of(next)["notices"];
  REQUIRE(notices.size() == 1);
  CHECK(notices[0]["credential"]["possiblyCloned"] == true);
}

TEST_CASE("a suspended credential is refused with its reason") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto jay = test_support::sign_up(client, "jay");
  {
    auto db = open_database(server);
    REQUIRE(db->set_suspended(jay.key.id, true, "its model was revoked"));
  }
  const auto res = test_support::sign_in(client, jay.key, "jay");
  CHECK(res.result_int() == 403);
  CHECK(code_of(res) == "credential_suspended");
  CHECK(json_of(res)["detail"].get<std::string>().find("revoked") !=
        std::string::npos);
}

TEST_CASE("state changes need JSON and a configured Origin") {
  server_process server;
  api_client client(server.port(), kOrigin);
  const std::string body = R"({"username":"kim"})";
  auto res = client.send(verb::post, "/api/v1/signin/options", body,
                         {{"Origin", "https://evil.example"}});
  CHECK(res.result_int() == 403);
  CHECK(code_of(res) == "origin_not_allowed");
  res =
      client.send(verb::post, "/api/v1/signin/options", body, {{"Origin", ""}});
  CHECK(code_of(res) == "origin_not_allowed");
  res = client.send(verb::post, "/api/v1/signin/options", "username=kim",
                    {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(res.result_int() == 415);
  CHECK(code_of(res) == "content_type_not_json");
  res = client.send(verb::post, "/api/v1/signup/options", body,
                    {{"Content-Type", "text/plain"}});
  CHECK(code_of(res) == "content_type_not_json");
}

TEST_CASE("sign-in options for unknown names look like those for real ones") {
  server_process server;
  api_client client(server.port(), kOrigin);
  test_support::sign_up(client, "lee");
  const auto real =
      options_for(client, "/api/v1/signin/options", {{"username", "lee"}});
  const auto unknown =
      options_for(client, "/api/v1/signin/options", {{"username", "nobody"}});
  const auto again =
      options_for(client, "/api/v1/signin/options", {{"username", "nobody"}});
  const auto other =
      options_for(client, "/api/v1/signin/options", {{"username", "noone"}});
  const auto keys_of = [](const nlohmann::json& j) {
    std::set<std::string> out;
    for (const auto& [k, v] : j["publicKey"].items())
      out.insert(k);
    return out;
  };
  CHECK(keys_of(real) == keys_of(unknown));
  const auto& made_up = unknown["publicKey"]["allowCredentials"];
  REQUIRE(made_up.is_array());
  REQUIRE_FALSE(made_up.empty());
  for (const auto& c : made_up) {
    CHECK(c["type"] == "public-key");
    CHECK(c["transports"].is_array());
    const auto id = common::base64url_decode(c["id"].get<std::string>());
    REQUIRE(id.has_value());
    CHECK(id->size() >= 16);
  }
  // Stable for one name, different between names, like real credentials.
  CHECK(made_up == again["publicKey"]["allowCredentials"]);
  CHECK(made_up != other["publicKey"]["allowCredentials"]);
  CHECK(unknown["publicKey"]["challenge"] != again["publicKey"]["challenge"]);
}

TEST_CASE("a failed sign-in gets the same answer whatever the reason") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto max = test_support::sign_up(client, "max");
  auto stranger = test_support::sign_up(client, "nat");
  api_client browser(server.port(), kOrigin);
  test_support::assertion_options bad_origin;
  bad_origin.origin = "https://evil.example";
  const auto a = test_support::sign_in(browser, max.key, "max", bad_origin);
  const auto b = test_support::sign_in(browser, stranger.key, "max");
  const auto c = test_support::sign_in(browser, max.key, "nobody");
  for (const auto* res : {&a, &b, &c}) {
    CHECK(res->result_int() == 401);
    auto body = json_of(*res);
    CHECK(body["code"] == "sign_in_failed");
    CHECK_FALSE(body.contains("reason"));
  }
  CHECK(json_of(a)["detail"] == json_of(b)["detail"]);
  CHECK(json_of(b)["detail"] == json_of(c)["detail"]);
}

TEST_CASE("a taken username is refused at sign-up") {
  server_process server;
  api_client client(server.port(), kOrigin);
  test_support::sign_up(client, "olga");
  const auto res = client.post("/api/v1/signup/options",
                               {{"username", "OLGA"}, {"displayName", "x"}});
  CHECK(res.result_int() == 409);
  CHECK(code_of(res) == "username_taken");
}

TEST_CASE("malformed bodies, wrong types and bad base64url get a 4xx") {
  server_process server;
  api_client client(server.port(), kOrigin);
  for (const std::string path :
       {"/api/v1/signup/options", "/api/v1/signup/result",
        "/api/v1/signin/options", "/api/v1/signin/result",
        "/api/v1/reauth/options", "/api/v1/reauth/result",
        "/api/v1/credentials/options", "/api/v1/credentials/result"}) {
    CAPTURE(path);
    for (const std::string body :
         {"{", "[]", "\"text\"", R"({"a":1,"a":2})", "nul", "{}x"}) {
      CAPTURE(body);
      const auto res = client.send(verb::post, path, body, {});
      CHECK(res.result_int() >= 400);
      CHECK(res.result_int() < 500);
      CHECK(res[field::content_type] == "application/problem+json");
    }
  }
  auto res = client.post("/api/v1/signup/options",
                         {{"username", 7}, {"displayName", "x"}});
  CHECK(code_of(res) == "member_wrong_type");
  CHECK(json_of(res)["member"] == "username");
  res = client.post("/api/v1/signup/options", {{"displayName", "x"}});
  CHECK(code_of(res) == "member_missing");
  res = client.post("/api/v1/signup/options",
                    {{"username", "p"}, {"displayName", "x"}, {"admin", true}});
  CHECK(code_of(res) == "member_unknown");
  res = client.post("/api/v1/signup/options",
                    {{"username", "bad name!"}, {"displayName", "x"}});
  CHECK(code_of(res) == "username_invalid");
  res = client.post(
      "/api/v1/signin/result",
      {{"ceremony", "@@@"}, {"credential", nlohmann::json::object()}});
  CHECK(code_of(res) == "ceremony_unknown");
  res = client.post("/api/v1/signin/result", {{"credential", 5}});
  CHECK(code_of(res) == "member_wrong_type");
  // A real ceremony with a credential whose binary members are not
  // base64url: named as malformed, and the ceremony is spent.
  const auto answer =
      options_for(client, "/api/v1/signin/options", nlohmann::json::object());
  res = client.post("/api/v1/signin/result", {{"ceremony", answer["ceremony"]},
                                              {"credential",
                                               {{"id", "a+b/"},
                                                {"rawId", "a+b/"},
                                                {"type", "public-key"},
                                                {"response",
                                                 {{"clientDataJSON", "!!"},
                                                  {"authenticatorData", "??"},
                                                  {"signature", "=="}}}}}});
  CHECK(res.result_int() == 400);
  CHECK(code_of(res) == "credential_malformed");
  // The server keeps serving.
  CHECK(client.get("/healthz").result_int() == 200);
}

TEST_CASE("a ceremony of one purpose cannot be finished as another") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto pia = test_support::sign_up(client, "pia");
  struct begun {
    std::string name;
    std::string ceremony;
  };
  const auto begin_all = [&] {
    std::vector<begun> out;
    out.push_back({"sign_up", options_for(client, "/api/v1/signup/options",
                                          {{"username", "new"},
                                           {"displayName", "N"}})["ceremony"]});
    const auto none = nlohmann::json::object();
    out.push_back({"sign_in", options_for(client, "/api/v1/signin/options",
                                          none)["ceremony"]});
    out.push_back({"step_up", options_for(client, "/api/v1/reauth/options",
                                          none)["ceremony"]});
    out.push_back(
        {"add_credential", options_for(client, "/api/v1/credentials/options",
                                       nlohmann::json::object())["ceremony"]});
    return out;
  };
  const std::pair<std::string, std::string> finishers[] = {
      {"sign_up", "/api/v1/signup/result"},
      {"sign_in", "/api/v1/signin/result"},
      {"step_up", "/api/v1/reauth/result"},
      {"add_credential", "/api/v1/credentials/result"}};
  for (const auto& [kind, path] : finishers) {
    for (const auto& b : begin_all()) {
      if (b.name == kind)
        continue;
      CAPTURE(b.name);
      CAPTURE(kind);
      const auto res = client.post(
          path,
          {{"ceremony", b.ceremony}, {"credential", nlohmann::json::object()}});
      CHECK(code_of(res) == "ceremony_purpose_mismatch");
    }
  }
  (void)pia;
}

TEST_CASE("a ceremony begun in one session cannot finish in another") {
  server_process server;
  api_client alice_browser(server.port(), kOrigin);
  auto alice = test_support::sign_up(alice_browser, "quinn");
  api_client bob_browser(server.port(), kOrigin);
  auto bob = test_support::sign_up(bob_browser, "rob");
  // Alice's add-key ceremony, posted from Bob's session.
  const auto answer = options_for(alice_browser, "/api/v1/credentials/options",
                                  nlohmann::json::object());
  auto res = bob_browser.post("/api/v1/credentials/result",
                              {{"ceremony", answer["ceremony"]},
                               {"credential", nlohmann::json::object()}});
  CHECK(code_of(res) == "ceremony_session_mismatch");
  // A sign-in begun without a session, finished from inside one.
  api_client anonymous(server.port(), kOrigin);
  const auto signin =
      options_for(anonymous, "/api/v1/signin/options", {{"username", "rob"}});
  test_support::assertion_options a;
  a.challenge = test_support::challenge_of(signin);
  a.origin = kOrigin;
  const auto assertion = test_support::make_assertion(bob.key, a);
  res = alice_browser.post(
      "/api/v1/signin/result",
      {{"ceremony", signin["ceremony"]}, {"credential", assertion.to_json()}});
  CHECK(code_of(res) == "ceremony_session_mismatch");
  (void)alice;
}

TEST_CASE("adding a key needs a recent strong sign-in, and lists it") {
  server_process server({"--reauth-window", "2s"});
  api_client client(server.port(), kOrigin);
  auto sam = test_support::sign_up(client, "sam");
  // Right after sign-up the user verification counts as recent.
  auto answer = options_for(client, "/api/v1/credentials/options",
                            nlohmann::json::object());
  const auto& exclude = answer["publicKey"]["excludeCredentials"];
  REQUIRE(exclude.size() == 1);
  CHECK(exclude[0]["id"] == common::base64url_encode(sam.key.id));
  test_support::registration_options r;
  r.origin = kOrigin;
  r.challenge = test_support::challenge_of(answer);
  r.user_handle = sam.key.user_handle;
  const auto second = test_support::make_registration(r);
  auto res = client.post(
      "/api/v1/credentials/result",
      {{"ceremony", answer["ceremony"]}, {"credential", second.to_json()}});
  REQUIRE_MESSAGE(res.result_int() == 201, res.body());
  auto list = json_of(client.get("/api/v1/credentials"))["credentials"];
  CHECK(list.size() == 2);

  // Later, without a fresh strong sign-in, it is refused...
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  res = client.post("/api/v1/credentials/options", nlohmann::json::object());
  CHECK(res.result_int() == 403);
  CHECK(code_of(res) == "reauthentication_required");
  // ...until a step-up with user verification.
  answer =
      options_for(client, "/api/v1/reauth/options", nlohmann::json::object());
  CHECK(answer["publicKey"]["userVerification"] == "required");
  test_support::assertion_options a;
  a.origin = kOrigin;
  a.challenge = test_support::challenge_of(answer);
  auto again = sam.key;
  const auto step = test_support::make_assertion(sam.key, a);
  res = client.post("/api/v1/reauth/result", {{"ceremony", answer["ceremony"]},
                                              {"credential", step.to_json()}});
  REQUIRE_MESSAGE(res.result_int() == 200, res.body());
  CHECK(client.post("/api/v1/credentials/options", nlohmann::json::object())
            .result_int() == 200);
  (void)again;
}

TEST_CASE("keys can be renamed and removed, but not the last one") {
  server_process server;
  api_client client(server.port(), kOrigin);
  auto tom = test_support::sign_up(client, "tom");
  const std::string path =
      "/api/v1/credentials/" + common::base64url_encode(tom.key.id);
  auto res = client.patch(path, {{"nickname", "Blue key"}});
  REQUIRE_MESSAGE(res.result_int() == 200, res.body());
  CHECK(json_of(res)["credential"]["nickname"] == "Blue key");
  res = client.patch(path, {{"nickname", ""}});
  CHECK(code_of(res) == "member_invalid");
  res = client.patch("/api/v1/credentials/AAAA", {{"nickname", "x"}});
  CHECK(res.result_int() == 404);
  res = client.del(path);
  CHECK(res.result_int() == 409);
  CHECK(code_of(res) == "last_credential");
  // Someone else cannot touch it.
  api_client other(server.port(), kOrigin);
  test_support::sign_up(other, "uma");
  CHECK(other.patch(path, {{"nickname", "mine"}}).result_int() == 404);
  CHECK(other.del(path).result_int() == 404);
}

TEST_CASE("a second node on the same database finishes the ceremony") {
  server_process first;
  api_client client(first.port(), kOrigin);
  auto vic = test_support::sign_up(client, "vic");
  server_process second({"--database", first.folder() + "/latchkey.db",
                         "--key-file", first.folder() + "/latchkey.key"});
  const auto answer =
      options_for(client, "/api/v1/signin/options", {{"username", "vic"}});
  api_client on_second(second.port(), kOrigin);
  on_second.cookies = client.cookies;
  test_support::assertion_options a;
  a.origin = kOrigin;
  a.challenge = test_support::challenge_of(answer);
  const auto assertion = test_support::make_assertion(vic.key, a);
  const auto res = on_second.post(
      "/api/v1/signin/result",
      {{"ceremony", answer["ceremony"]}, {"credential", assertion.to_json()}});
  CHECK_MESSAGE(res.result_int() == 200, res.body());
}

TEST_CASE("ceremonies begun without a session are limited per address") {
  server_process server(
      {"--ceremonies-per-minute", "3", "--trusted-proxy", "127.0.0.1"});
  api_client client(server.port(), kOrigin);
  const auto start = [&](const std::string& address) {
    return client.send(verb::post, "/api/v1/signin/options", "{}",
                       {{"X-Forwarded-For", address}});
  };
  for (int i = 0; i < 3; ++i)
    CHECK(start("192.0.2.1").result_int() == 200);
  const auto limited = start("192.0.2.1");
  CHECK(limited.result_int() == 429);
  CHECK(code_of(limited) == "rate_limited");
  CHECK_FALSE(std::string(limited[field::retry_after]).empty());
  // Another client behind the same proxy is counted apart; IPv6 clients
  // are counted by their /64.
  CHECK(start("192.0.2.2").result_int() == 200);
  for (int i = 0; i < 3; ++i)
    CHECK(start("2001:db8::" + std::to_string(i + 1)).result_int() == 200);
  CHECK(start("2001:db8::ff").result_int() == 429);
}

TEST_CASE("the per-address limit can be turned off for load tests") {
  server_process server(
      {"--ceremonies-per-minute", "1", "--insecure-disable-address-limits"});
  api_client client(server.port(), kOrigin);
  for (int i = 0; i < 5; ++i) {
    CHECK(client.post("/api/v1/signin/options", nlohmann::json::object())
              .result_int() == 200);
  }
}

TEST_CASE("CORS answers only configured origins") {
  server_process server({"--origin", "http://localhost:8080", "--origin",
                         "http://localhost:3000"});
  api_client client(server.port(), "http://localhost:3000");
  auto res = client.send(verb::options, "/api/v1/signin/options", "",
                         {{"Access-Control-Request-Method", "POST"}});
  CHECK(res.result_int() == 204);
  CHECK(res[field::access_control_allow_origin] == "http://localhost:3000");
  CHECK(res[field::access_control_allow_credentials] == "true");
  api_client stranger(server.port(), "https://evil.example");
  res = stranger.send(verb::options, "/api/v1/signin/options", "",
                      {{"Access-Control-Request-Method", "POST"}});
  CHECK(res.result_int() == 403);
  CHECK(res.find(field::access_control_allow_origin) == res.end());
  res = stranger.get("/healthz");
  CHECK(res.find(field::access_control_allow_origin) == res.end());
}

TEST_CASE("the related origins document lists the configured origins") {
  server_process server({"--rp-id", "example.com", "--origin",
                         "https://example.com", "--related-origin",
                         "https://example.co.uk"});
  api_client client(server.port(), "https://example.com");
  const auto res = client.get("/.well-known/webauthn");
  REQUIRE(res.result_int() == 200);
  CHECK(
      json_of(res)["origins"] ==
      nlohmann::json::array({"https://example.com", "https://example.co.uk"}));
}

// Every route that takes a body, from the router's own table, so that a
// route added later is covered without being listed here.
TEST_CASE("every account route with a body names what is wrong with it") {
  server_process server;
  api_client client(server.port(), kOrigin);
  test_support::sign_up(client, "quinn");
  std::size_t checked = 0;
  for (const auto& route : server::account_route_list()) {
    if (route.method != "POST" && route.method != "PATCH")
      continue;
    auto path = route.path;
    if (const auto at = path.find("{id}"); at != std::string::npos)
      path.replace(at, 4, "AAAA");
    const auto method = route.method == "POST" ? verb::post : verb::patch;
    CAPTURE(route.method);
    CAPTURE(path);
    CHECK(code_of(client.send(method, path, "{", {})) == "body_not_json");
    CHECK(code_of(client.send(method, path, "[1]", {})) == "body_not_object");
    CHECK(code_of(client.send(method, path, R"({"a":1,"a":2})", {})) ==
          "body_not_json");
    CHECK(code_of(client.send(method, path, R"({"zzz":1})", {})) ==
          "member_unknown");
    ++checked;
  }
  CHECK(checked >= 20);
  CHECK(client.get("/api/v1/me").result_int() == 200);
}

TEST_CASE("a server forgets audit addresses older than the retention") {
  server_process first({"--audit-address-retention", "2h"});
  {
    auto db = open_database(first);
    const auto now = std::chrono::system_clock::now();
    storage::audit_event old_event;
    old_event.at = now - std::chrono::hours(3);
    old_event.event = "sign_in";
    old_event.outcome = "ok";
    old_event.address = "192.0.2.7";
    old_event.user_agent = "Old Browser";
    REQUIRE(db->append_audit(old_event).has_value());
    storage::audit_event recent = old_event;
    recent.at = now - std::chrono::hours(1);
    REQUIRE(db->append_audit(recent).has_value());
  }
  // The retention runs when a server starts, and hourly after.
  first.send_signal(SIGTERM);
  REQUIRE(first.wait() == 0);
  server_process second({"--database", first.folder() + "/latchkey.db",
                         "--key-file", first.folder() + "/latchkey.key",
                         "--audit-address-retention", "2h"});
  auto db = open_database(first);
  const auto events = db->list_audit(0, 10, std::nullopt);
  REQUIRE(events.has_value());
  REQUIRE(events->size() == 2);
  // Newest first.
  CHECK((*events)[0].address == "192.0.2.7");
  CHECK((*events)[0].user_agent == "Old Browser");
  CHECK((*events)[1].address.empty());
  CHECK((*events)[1].user_agent.empty());
  CHECK((*events)[1].event == "sign_in");
}
