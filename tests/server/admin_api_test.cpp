// The admin API and session introspection over real HTTP against the real
// server's admin listener, with keys made by `latchkey admin-key add` and
// accounts made through the account API with software authenticators.
#include "api_client.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "server/admin_routes.hpp"
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <set>

using nlohmann::json;
using server::http::field;
using server::http::status;
using server::http::verb;
using test_support::api_client;
using test_support::http_client;
using test_support::json_of;
using test_support::run_latchkey;
using test_support::server_process;

namespace {

const std::string kOrigin = "http://localhost:8080";
const std::string kSessionCookie = "latchkey-session";

std::string database_of(const server_process& server) {
  return server.folder() + "/latchkey.db";
}

std::unique_ptr<storage::store> open_database(const server_process& server) {
  storage::sqlite_options options;
  options.path = database_of(server);
  auto opened = storage::open_sqlite_store(options);
  REQUIRE_MESSAGE(opened.has_value(), opened.error().message);
  return std::move(*opened);
}

// A key made by the operator's command: the first line it prints.
std::string make_key(const server_process& server, const std::string& name,
                     const std::string& role = "admin") {
  const auto made = run_latchkey({"admin-key", "add", name, "--role", role,
                                  "--database", database_of(server)});
  REQUIRE_MESSAGE(made.exit_code == 0, made.output);
  return made.output.substr(0, made.output.find('\n'));
}

// One request to the admin listener; `authorization` is the whole header
// (empty: none).
server::response send(const server_process& server, verb method,
                      const std::string& target,
                      const std::string& authorization, std::string body = {},
                      const std::string& type = "application/json") {
  server::request req{method, target, 11};
  req.set(field::host, "127.0.0.1");
  if (!authorization.empty())
    req.set(field::authorization, authorization);
  if (!body.empty()) {
    req.set(field::content_type, type);
    req.body() = std::move(body);
  }
  http_client client(server.admin_port());
  return client.exchange(std::move(req));
}

std::string code_of(const server::response& res) {
  return json_of(res).value("code", std::string());
}

// A server with an admin key, and calls made with it.
struct admin_server {
  explicit admin_server(const std::vector<std::string>& args = {})
      : server(args) {}

  server_process server;
  std::string key = make_key(server, "ops");

  server::response get(const std::string& target) const {
    return send(server, verb::get, target, "Bearer " + key);
  }
  server::response post(const std::string& target,
                        std::string body = {}) const {
    return send(server, verb::post, target, "Bearer " + key, std::move(body));
  }
  server::response del(const std::string& target) const {
    return send(server, verb::delete_, target, "Bearer " + key);
  }
  json introspect(const std::string& token) const {
    const auto res =
        post("/admin/v1/introspect", json{{"token", token}}.dump());
    REQUIRE_MESSAGE(res.result() == status::ok, res.body());
    return json_of(res);
  }
  json ok(const server::response& res) const {
    REQUIRE_MESSAGE(res.result() == status::ok, res.body());
    return json_of(res);
  }
};

// Each route's path with its parameter filled in.
std::string concrete(std::string path) {
  for (const auto& [name, value] :
       {std::pair<std::string, std::string>{"{username}", "alice"},
        {"{id}", "AAAA"}}) {
    if (const auto at = path.find(name); at != std::string::npos)
      path.replace(at, name.size(), value);
  }
  return path;
}

verb verb_of(const std::string& method) {
  return server::http::string_to_verb(method);
}

// A confirmed TOTP enrollment and `codes` recovery codes, written as the
// account flows would (the secret is never opened here).
void add_second_factors(storage::store& db, storage::user_id user,
                        std::size_t codes) {
  storage::totp_enrollment totp;
  totp.user = user;
  totp.secret = {"test-key", common::bytes(48, 7)};
  totp.algorithm = "SHA1";
  totp.created_at = std::chrono::system_clock::now();
  REQUIRE(db.put_pending_totp(totp).has_value());
  REQUIRE(db.confirm_totp(user, 1).has_value());
  std::vector<storage::recovery_code> set;
  for (std::size_t i = 0; i < codes; ++i)
    set.push_back({"id" + std::to_string(i), "$argon2id$test", std::nullopt});
  REQUIRE(db.replace_recovery_codes(user, set).has_value());
}

storage::user user_named(storage::store& db, const std::string& name) {
  auto user = db.find_user_by_name(name);
  REQUIRE(user.has_value());
  return std::move(*user);
}

}  // namespace

TEST_CASE("admin API: no key, a wrong key or another scheme gets 401") {
  admin_server admin;
  api_client browser(admin.server.port(), kOrigin);
  test_support::sign_up(browser, "alice");
  const std::vector<std::string> refused = {
      "",
      "Bearer",
      "Bearer ",
      "Bearer lk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "Bearer " + admin.key + "x",
      "Bearer " + admin.key.substr(1),
      "Basic " + admin.key,
      admin.key,
      "Bearer " + std::string(300, 'k'),
  };
  for (const auto& r : server::admin_route_list()) {
    for (const auto& header : refused) {
      CAPTURE(r.path);
      CAPTURE(header);
      const auto res = send(admin.server, verb_of(r.method), concrete(r.path),
                            header, r.method == "GET" ? "" : "{}");
      CHECK(res.result() == status::unauthorized);
      CHECK(code_of(res) == "admin_unauthorized");
      CHECK(res[field::www_authenticate] == "Bearer");
    }
  }
  // Nothing changed: alice keeps her key and her session.
  auto db = open_database(admin.server);
  const auto alice = user_named(*db, "alice");
  CHECK_FALSE(alice.disabled);
  CHECK(db->list_credentials(alice.id)->size() == 1);
  CHECK(db->list_sessions(alice.id, std::chrono::system_clock::now())->size() ==
        1);
  // The scheme's name is case-insensitive (RFC 9110).
  CHECK(send(admin.server, verb::get, "/admin/v1/users", "bearer " + admin.key)
            .result() == status::ok);
}

TEST_CASE("admin API: an introspect key gets 403 on every other route") {
  admin_server admin;
  api_client browser(admin.server.port(), kOrigin);
  test_support::sign_up(browser, "alice");
  const auto service = make_key(admin.server, "backend", "introspect");
  for (const auto& r : server::admin_route_list()) {
    CAPTURE(r.path);
    const auto res = send(admin.server, verb_of(r.method), concrete(r.path),
                          "Bearer " + service, json{{"token", "x"}}.dump());
    if (r.path == "/admin/v1/introspect") {
      CHECK(res.result() == status::ok);
      continue;
    }
    CHECK(res.result() == status::forbidden);
    CHECK(code_of(res) == "admin_forbidden");
  }
  auto db = open_database(admin.server);
  CHECK_FALSE(user_named(*db, "alice").disabled);
  // Each refusal is audited under the key's name.
  auto events = admin.ok(admin.get("/admin/v1/audit?limit=500"));
  std::size_t refusals = 0;
  for (auto e : events["events"]) {
    if (e["event"] == "admin_refused" && e["detail"]["key"] == "backend")
      ++refusals;
  }
  CHECK(refusals == server::admin_route_list().size() - 1);
}

TEST_CASE("admin API: a removed key is refused at once") {
  admin_server admin;
  CHECK(admin.get("/admin/v1/users").result() == status::ok);
  const auto removed = run_latchkey(
      {"admin-key", "remove", "ops", "--database", database_of(admin.server)});
  REQUIRE(removed.exit_code == 0);
  CHECK(admin.get("/admin/v1/users").result() == status::unauthorized);
}

TEST_CASE("admin API: the admin listener still serves /metrics") {
  admin_server admin;
  const auto res = send(admin.server, verb::get, "/metrics", "");
  CHECK(res.result() == status::ok);
  CHECK(res[field::content_type].starts_with("text/plain"));
}

TEST_CASE("admin API: users come with their factors, page by page") {
  admin_server admin;
  for (const auto* name : {"ann", "bob", "cat", "dan", "eve"}) {
    api_client browser(admin.server.port(), kOrigin);
    test_support::sign_up(browser, name);
  }
  auto db = open_database(admin.server);
  add_second_factors(*db, user_named(*db, "bob").id, 4);

  auto all = admin.ok(admin.get("/admin/v1/users"));
  REQUIRE(all["users"].size() == 5);
  CHECK(all["next"].is_null());
  const auto& bob = all["users"][1];
  CHECK(bob["username"] == "bob");
  CHECK(bob["number"].is_number_integer());
  CHECK(bob["disabled"] == false);
  CHECK(bob["factors"] == json{{"credentials", 1},
                               {"suspendedCredentials", 0},
                               {"totp", "confirmed"},
                               {"recoveryCodesLeft", 4},
                               {"password", false}});
  CHECK(all["users"][0]["factors"]["totp"] == "none");

  std::vector<std::string> seen;
  std::string target = "/admin/v1/users?limit=2";
  for (int pages = 0; pages < 5; ++pages) {
    auto page = admin.ok(admin.get(target));
    CHECK(page["users"].size() <= 2);
    for (auto u : page["users"])
      seen.push_back(u["username"].get<std::string>());
    if (page["next"].is_null())
      break;
    target = "/admin/v1/users?limit=2&after=" +
             std::to_string(page["next"].get<std::int64_t>());
  }
  CHECK(seen == std::vector<std::string>{"ann", "bob", "cat", "dan", "eve"});
  auto last = admin.ok(
      admin.get("/admin/v1/users?after=" +
                std::to_string(all["users"][4]["number"].get<std::int64_t>())));
  CHECK(last["users"].empty());
  CHECK(last["next"].is_null());
}

TEST_CASE("admin API: a user shows keys, TOTP, codes and live sessions") {
  admin_server admin;
  api_client first(admin.server.port(), kOrigin);
  auto alice = test_support::sign_up(first, "alice");
  api_client second(admin.server.port(), kOrigin);
  REQUIRE(test_support::sign_in(second, alice.key, "alice").result() ==
          status::ok);
  auto db = open_database(admin.server);
  add_second_factors(*db, user_named(*db, "alice").id, 3);

  auto shown = admin.ok(admin.get("/admin/v1/users/Alice"));
  CHECK(shown["user"]["username"] == "alice");
  CHECK(shown["user"]["displayName"] == "Person alice");
  REQUIRE(shown["credentials"].size() == 1);
  const auto& key = shown["credentials"][0];
  CHECK(key["id"] == common::base64url_encode(alice.key.id));
  CHECK(key["suspended"] == false);
  CHECK(key["signCount"].is_number());
  CHECK(key["aaguid"].get<std::string>().size() == 32);
  CHECK(shown["totp"] == json{{"confirmed", true}, {"pending", false}});
  CHECK(shown["recoveryCodesLeft"] == 3);
  REQUIRE(shown["sessions"].size() == 2);
  for (auto s : shown["sessions"]) {
    CHECK(s["address"] == "127.0.0.1");
    CHECK(s["kind"] == "full");
    CHECK(s["assurance"].is_string());
    CHECK(s["methods"][0]["type"] == "passkey");
    for (const auto* member : {"createdAt", "lastSeenAt", "expiresAt"})
      CHECK(s[member].is_string());
    CHECK_FALSE(s.contains("token"));
  }
  CHECK(admin.get("/admin/v1/users/nobody").result() == status::not_found);
  CHECK(code_of(admin.get("/admin/v1/users/nobody")) == "user_not_found");
}

TEST_CASE("admin API: disable ends sessions and stops sign-in until enable") {
  admin_server admin;
  api_client browser(admin.server.port(), kOrigin);
  auto alice = test_support::sign_up(browser, "alice");
  const auto token = browser.cookies.at(kSessionCookie);
  REQUIRE(admin.introspect(token)["active"] == true);

  auto disabled = admin.ok(admin.post("/admin/v1/users/alice/disable"));
  CHECK(disabled["user"]["disabled"] == true);
  CHECK(admin.introspect(token)["active"] == false);
  CHECK(browser.get("/api/v1/me").result() == status::unauthorized);
  api_client again(admin.server.port(), kOrigin);
  CHECK(test_support::sign_in(again, alice.key, "alice").result() !=
        status::ok);

  const auto enabled =
      admin.ok(admin.post("/admin/v1/users/alice/enable", "{}"));
  CHECK(enabled["user"]["disabled"] == false);
  CHECK(test_support::sign_in(again, alice.key, "alice").result() ==
        status::ok);
  auto events = admin.ok(admin.get("/admin/v1/audit?user=alice"));
  std::set<std::string> names;
  for (auto e : events["events"]) {
    names.insert(e["event"].get<std::string>());
    if (e["event"] == "user_disabled")
      CHECK(e["detail"]["key"] == "ops");
  }
  CHECK(names.count("user_disabled") == 1);
  CHECK(names.count("user_enabled") == 1);
}

TEST_CASE("admin API: revoking a credential suspends it and ends sessions") {
  admin_server admin;
  api_client browser(admin.server.port(), kOrigin);
  auto alice = test_support::sign_up(browser, "alice");
  const auto id = common::base64url_encode(alice.key.id);
  auto revoked = admin.ok(admin.del("/admin/v1/credentials/" + id));
  CHECK(revoked["credential"]["suspended"] == true);
  CHECK(revoked["credential"]["suspendedReason"] ==
        "revoked by an administrator");
  CHECK(admin.introspect(browser.cookies.at(kSessionCookie))["active"] ==
        false);
  api_client again(admin.server.port(), kOrigin);
  const auto refused = test_support::sign_in(again, alice.key, "alice");
  CHECK(refused.result() == status::forbidden);
  CHECK(code_of(refused) == "credential_suspended");
  const auto unknown = admin.del("/admin/v1/credentials/AAAA");
  CHECK(unknown.result() == status::not_found);
  CHECK(code_of(unknown) == "credential_not_found");
}

TEST_CASE("admin API: reset-factors removes factors and gives a token") {
  admin_server admin;
  api_client browser(admin.server.port(), kOrigin);
  test_support::sign_up(browser, "alice");
  auto db = open_database(admin.server);
  const auto alice = user_named(*db, "alice");
  add_second_factors(*db, alice.id, 5);

  const auto res = admin.post("/admin/v1/users/alice/reset-factors");
  REQUIRE(res.result() == status::ok);
  CHECK(res[field::cache_control] == "no-store");
  auto answer = json_of(res);
  const auto token = answer["enrollmentToken"].get<std::string>();
  const auto decoded = common::base64url_decode(token);
  REQUIRE(decoded.has_value());
  CHECK(decoded->size() == 32);
  CHECK(answer["enrollmentUrl"] == kOrigin + "/#enroll=" + token);
  const auto expires =
      common::parse_time(answer["expiresAt"].get<std::string>());
  REQUIRE(expires.has_value());
  const auto now = std::chrono::system_clock::now();
  CHECK(*expires > now + std::chrono::hours(23));
  CHECK(*expires < now + std::chrono::hours(25));

  CHECK(db->list_credentials(alice.id)->empty());
  const auto totp = db->find_totp(alice.id);
  CHECK_FALSE(totp->confirmed.has_value());
  CHECK_FALSE(totp->pending.has_value());
  CHECK(*db->count_unused_recovery_codes(alice.id) == 0);
  CHECK(db->list_sessions(alice.id, now)->empty());
  CHECK(browser.get("/api/v1/me").result() == status::unauthorized);

  // The person redeems it on the login page: an enrollment session, once.
  api_client person(admin.server.port(), kOrigin);
  const auto enrolling = person.post("/api/v1/enroll", {{"token", token}});
  REQUIRE_MESSAGE(enrolling.result() == status::ok, enrolling.body());
  auto session = admin.introspect(person.cookies.at(kSessionCookie));
  CHECK(session["active"] == true);
  CHECK(session["kind"] == "enrollment");
  CHECK(session["user"]["username"] == "alice");
  CHECK(session["methods"][0]["type"] == "enrollment-link");
  api_client thief(admin.server.port(), kOrigin);
  const auto again = thief.post("/api/v1/enroll", {{"token", token}});
  CHECK(again.result() == status::bad_request);
  CHECK(code_of(again) == "ceremony_unknown");
}

TEST_CASE("admin API: reset-password gives a one-time reset token") {
  admin_server admin;
  api_client browser(admin.server.port(), kOrigin);
  test_support::sign_up(browser, "alice");
  const auto res = admin.post("/admin/v1/users/alice/reset-password");
  REQUIRE(res.result() == status::ok);
  CHECK(res[field::cache_control] == "no-store");
  auto answer = json_of(res);
  const auto token = answer["resetToken"].get<std::string>();
  CHECK(answer["resetUrl"] == kOrigin + "/#reset=" + token);
  CHECK(answer["expiresAt"].is_string());
  auto db = open_database(admin.server);
  const auto alice = user_named(*db, "alice");
  // Factors and sessions stay: the reset itself happens when redeemed.
  CHECK(db->list_credentials(alice.id)->size() == 1);
  CHECK(admin.introspect(browser.cookies.at(kSessionCookie))["active"] == true);
  api_client person(admin.server.port(), kOrigin);
  const auto resetting =
      person.post("/api/v1/password/reset", {{"token", token}});
  REQUIRE_MESSAGE(resetting.result() == status::ok, resetting.body());
  auto session = admin.introspect(person.cookies.at(kSessionCookie));
  CHECK(session["kind"] == "partial");
  CHECK(person.post("/api/v1/password/reset", {{"token", token}}).result() ==
        status::bad_request);
  CHECK(admin.post("/admin/v1/users/nobody/reset-password").result() ==
        status::not_found);
}

TEST_CASE("admin API: deleting a user erases audit details, keeps events") {
  admin_server admin;
  api_client browser(admin.server.port(), kOrigin);
  test_support::sign_up(browser, "alice");
  test_support::sign_up(browser, "bob");
  auto db = open_database(admin.server);
  const auto alice = user_named(*db, "alice");
  const auto before = db->list_audit(0, 500, alice.id);
  REQUIRE_FALSE(before->empty());
  CHECK(before->back().address == "127.0.0.1");

  const auto res = admin.del("/admin/v1/users/alice");
  CHECK(res.result() == status::no_content);
  CHECK_FALSE(db->find_user(alice.id).has_value());
  CHECK(admin.get("/admin/v1/users/alice").result() == status::not_found);
  CHECK(admin.del("/admin/v1/users/alice").result() == status::not_found);

  const auto after = db->list_audit(0, 500, alice.id);
  REQUIRE(after->size() == before->size() + 1);
  CHECK(after->front().event == "user_deleted");
  CHECK(after->front().detail == R"({"key":"ops"})");
  for (std::size_t i = 1; i < after->size(); ++i) {
    const auto& e = (*after)[i];
    CHECK(e.user == alice.id);
    CHECK(e.address.empty());
    CHECK(e.user_agent.empty());
    CHECK(e.detail == "{}");
    CHECK(e.event == (*before)[i - 1].event);
  }
  // Others keep theirs.
  const auto bob = db->list_audit(0, 500, user_named(*db, "bob").id);
  CHECK(bob->back().address == "127.0.0.1");
  // The API shows the pseudonym, without a name.
  auto listed = admin.ok(admin.get("/admin/v1/audit?limit=5"));
  bool found = false;
  for (auto e : listed["events"]) {
    if (e["event"] != "user_deleted")
      continue;
    found = true;
    CHECK(e["user"] == json{{"number", alice.id}, {"username", nullptr}});
  }
  CHECK(found);
}

TEST_CASE("admin API: erasing a user forgets the guesses against the name") {
  admin_server admin({"--lockout-failures", "3"});
  api_client browser(admin.server.port(), kOrigin);
  test_support::sign_up(browser, "alice");
  const json wrong = {{"username", "alice"}, {"password", "not her password"}};
  for (int i = 0; i < 3; ++i)
    CHECK(browser.post("/api/v1/signin/password", wrong).result() ==
          status::unauthorized);
  REQUIRE(code_of(browser.post("/api/v1/signin/password", wrong)) ==
          "factor_locked");
  REQUIRE(admin.del("/admin/v1/users/alice").result() == status::no_content);
  // A new account of that name starts without the old one's failures.
  const std::string password = "a new alice, a new password";
  api_client newcomer(admin.server.port(), kOrigin);
  const auto made =
      newcomer.post("/api/v1/signup/password", {{"username", "alice"},
                                                {"displayName", "Alice"},
                                                {"password", password}});
  REQUIRE_MESSAGE(made.result_int() < 300, made.body());
  const auto in =
      newcomer.post("/api/v1/signin/password",
                    {{"username", "alice"}, {"password", password}});
  CHECK_MESSAGE(in.result() == status::ok, in.body());
}

TEST_CASE("admin API: the audit reads newest first, by page and by user") {
  admin_server admin;
  api_client browser(admin.server.port(), kOrigin);
  test_support::sign_up(browser, "alice");
  test_support::sign_up(browser, "bob");
  auto all = admin.ok(admin.get("/admin/v1/audit?limit=500"));
  REQUIRE(all["events"].size() >= 2);
  CHECK(all["next"].is_null());
  std::vector<std::int64_t> ids;
  std::string target = "/admin/v1/audit?limit=1";
  for (int pages = 0; pages < 50; ++pages) {
    auto page = admin.ok(admin.get(target));
    for (auto e : page["events"])
      ids.push_back(e["id"].get<std::int64_t>());
    if (page["next"].is_null())
      break;
    target = "/admin/v1/audit?limit=1&before=" +
             std::to_string(page["next"].get<std::int64_t>());
  }
  // The read of `all` is audited too, newer than everything it listed.
  CHECK(ids.size() == all["events"].size() + 1);
  CHECK(std::is_sorted(ids.rbegin(), ids.rend()));
  CHECK(std::set<std::int64_t>(ids.begin(), ids.end()).size() == ids.size());

  auto bobs = admin.ok(admin.get("/admin/v1/audit?user=Bob"));
  REQUIRE_FALSE(bobs["events"].empty());
  for (auto e : bobs["events"]) {
    CHECK(e["user"]["username"] == "bob");
    for (const auto* member :
         {"id", "at", "event", "outcome", "address", "userAgent", "detail"})
      CHECK(e.contains(member));
  }
  const auto nobody = admin.get("/admin/v1/audit?user=nobody");
  CHECK(nobody.result() == status::not_found);
  CHECK(json_of(nobody)["member"] == "user");
}

TEST_CASE("introspection: a live session, a signed-out one and junk") {
  admin_server admin;
  const auto service = make_key(admin.server, "backend", "introspect");
  api_client browser(admin.server.port(), kOrigin);
  test_support::sign_up(browser, "alice");
  const auto token = browser.cookies.at(kSessionCookie);
  const auto ask = [&](const std::string& t) {
    const auto res = send(admin.server, verb::post, "/admin/v1/introspect",
                          "Bearer " + service, json{{"token", t}}.dump());
    REQUIRE_MESSAGE(res.result() == status::ok, res.body());
    CHECK(res[field::cache_control] == "no-store");
    return json_of(res);
  };
  auto live = ask(token);
  CHECK(live["active"] == true);
  auto db = open_database(admin.server);
  const auto alice = user_named(*db, "alice");
  CHECK(live["user"] == json{{"id", common::base64url_encode(alice.handle)},
                             {"username", "alice"}});
  CHECK(live["kind"] == "full");
  CHECK(live["assurance"].is_string());
  REQUIRE(live["methods"].size() == 1);
  CHECK(live["methods"][0]["type"] == "passkey");
  CHECK(live["methods"][0]["userVerified"] == true);
  CHECK(live["methods"][0]["at"].is_string());
  for (const auto* member : {"createdAt", "lastSeenAt", "expiresAt"})
    CHECK(live[member].is_string());

  const json inactive = {{"active", false}};
  auto bytes = *common::base64url_decode(token);
  bytes[0] ^= 1;
  for (const auto& junk : {std::string(), std::string("junk"), token + "A",
                           token.substr(1), common::base64url_encode(bytes),
                           std::string(5000, 'A'), std::string("%%%%")}) {
    CAPTURE(junk);
    CHECK(ask(junk) == inactive);
  }
  // Idle past --session-idle (30 minutes): over, though not swept yet.
  const auto digest = common::sha256(*common::base64url_decode(token));
  REQUIRE(db->touch_session(
      digest, std::chrono::system_clock::now() - std::chrono::minutes(31)));
  CHECK(ask(token) == inactive);
  REQUIRE(db->touch_session(digest, std::chrono::system_clock::now()));
  CHECK(ask(token)["active"] == true);

  REQUIRE(browser.post("/api/v1/signout", json::object()).result() ==
          status::no_content);
  CHECK(ask(token) == inactive);
}

TEST_CASE("admin API: malformed input on every route is refused by name") {
  admin_server admin;
  api_client browser(admin.server.port(), kOrigin);
  test_support::sign_up(browser, "alice");
  struct bad {
    verb method;
    std::string target;
    std::string body;
    std::string code;
    std::string member;
  };
  const std::vector<bad> cases = {
      {verb::get, "/admin/v1/users?limit=0", "", "member_invalid", "limit"},
      {verb::get, "/admin/v1/users?limit=501", "", "member_invalid", "limit"},
      {verb::get, "/admin/v1/users?limit=-1", "", "member_invalid", "limit"},
      {verb::get, "/admin/v1/users?limit=1.5", "", "member_invalid", "limit"},
      {verb::get, "/admin/v1/users?limit=", "", "member_invalid", "limit"},
      {verb::get, "/admin/v1/users?limit=%2B5", "", "member_invalid", "limit"},
      {verb::get, "/admin/v1/users?after=x", "", "member_invalid", "after"},
      {verb::get, "/admin/v1/users?after=99999999999999999999", "",
       "member_invalid", "after"},
      {verb::get, "/admin/v1/users?limit=1&limit=2", "", "member_invalid",
       "limit"},
      {verb::get, "/admin/v1/users?page=2", "", "member_unknown", "page"},
      {verb::get, "/admin/v1/users?limit=%zz", "", "member_invalid", "limit"},
      {verb::get, "/admin/v1/users/alice?x=1", "", "member_unknown", "x"},
      {verb::get, "/admin/v1/users/al%ice", "", "member_invalid", "username"},
      {verb::get, "/admin/v1/users/al%20ice", "", "username_invalid",
       "username"},
      {verb::get, "/admin/v1/audit?before=-3", "", "member_invalid", "before"},
      {verb::get, "/admin/v1/audit?limit=1000", "", "member_invalid", "limit"},
      {verb::get, "/admin/v1/audit?user=a%20b", "", "username_invalid", "user"},
      {verb::get, "/admin/v1/audit?who=alice", "", "member_unknown", "who"},
      {verb::post, "/admin/v1/users/alice/disable", "x", "body_not_json", ""},
      {verb::post, "/admin/v1/users/alice/enable", "[]", "body_not_object", ""},
      {verb::post, "/admin/v1/users/alice/reset-factors", R"({"now":true})",
       "member_unknown", "now"},
      {verb::post, "/admin/v1/users/alice/reset-password", "{", "body_not_json",
       ""},
      {verb::delete_, "/admin/v1/users/alice", "[1]", "body_not_object", ""},
      {verb::delete_, "/admin/v1/credentials/a+b", "", "member_invalid", "id"},
      {verb::delete_, "/admin/v1/credentials/AAAA=", "", "member_invalid",
       "id"},
      {verb::delete_, "/admin/v1/credentials/" + std::string(1400, 'A'), "",
       "member_invalid", "id"},
      {verb::post, "/admin/v1/introspect", "token", "body_not_json", ""},
      {verb::post, "/admin/v1/introspect", "[]", "body_not_object", ""},
      {verb::post, "/admin/v1/introspect", "{}", "member_missing", "token"},
      {verb::post, "/admin/v1/introspect", R"({"token":5})",
       "member_wrong_type", "token"},
      {verb::post, "/admin/v1/introspect", R"({"token":"a","extra":1})",
       "member_unknown", "extra"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.target);
    CAPTURE(c.body);
    const auto res =
        send(admin.server, c.method, c.target, "Bearer " + admin.key, c.body);
    CHECK(res.result() == status::bad_request);
    CHECK(res[field::content_type] == "application/problem+json");
    auto problem = json_of(res);
    CHECK(problem["code"] == c.code);
    CHECK(problem.value("member", std::string()) == c.member);
    CHECK_FALSE(problem["detail"].get<std::string>().empty());
  }
  const auto untyped =
      send(admin.server, verb::post, "/admin/v1/introspect",
           "Bearer " + admin.key, R"({"token":"x"})", "text/plain");
  CHECK(untyped.result() == status::unsupported_media_type);
  CHECK(code_of(untyped) == "content_type_not_json");
  // Nothing changed for alice.
  auto db = open_database(admin.server);
  const auto alice = user_named(*db, "alice");
  CHECK_FALSE(alice.disabled);
  CHECK(db->list_credentials(alice.id)->size() == 1);
}
