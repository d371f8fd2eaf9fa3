// Passwords and second factors over real HTTP: two-step sign-in, TOTP and
// recovery codes, the policy that allows no bypass, and the limits on
// guessing.
#include "api_client.hpp"
#include "server_process.hpp"

#include "common/encoding.hpp"
#include "server/ceremonies.hpp"
#include "storage/sqlite_store.hpp"
#include "totp/otp.hpp"

#include <argon2.h>
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

using server::http::field;
using server::http::verb;
using test_support::api_client;
using test_support::code_of;
using test_support::json_of;
using test_support::kOrigin;
using test_support::server_process;

namespace {

const std::string kPassword = "correct horse battery staple";

server::response password_sign_up(api_client& c, const std::string& name,
                                  const std::string& password = kPassword) {
  return c.post("/api/v1/signup/password", {{"username", name},
                                            {"displayName", "P " + name},
                                            {"password", password}});
}

server::response password_sign_in(api_client& c, const std::string& name,
                                  const std::string& password = kPassword) {
  return c.post("/api/v1/signin/password",
                {{"username", name}, {"password", password}});
}

// The current code of a base32 secret.
std::string code_now(const std::string& base32,
                     std::chrono::seconds shift = std::chrono::seconds(0)) {
  const auto key = totp::secret_from_base32(base32);
  REQUIRE(key.has_value());
  const auto code =
      totp::totp_code(*key, std::chrono::system_clock::now() + shift, {});
  REQUIRE(code.has_value());
  return *code;
}

// The code of the next 30-second step: the server accepts one step either
// side, and no request has used that one yet.
std::string next_code(const std::string& base32) {
  return code_now(base32, std::chrono::seconds(30));
}

// Signs up with a password and confirms an authenticator app; gives its
// secret. The client ends with a full session.
std::string enroll_totp(api_client& c, const std::string& name) {
  REQUIRE(password_sign_up(c, name).result_int() == 201);
  const auto started = c.post("/api/v1/totp", nlohmann::json::object());
  REQUIRE_MESSAGE(started.result_int() == 200, started.body());
  const auto secret = json_of(started)["secret"].get<std::string>();
  const auto confirmed =
      c.post("/api/v1/totp/confirm", {{"code", code_now(secret)}});
  REQUIRE_MESSAGE(confirmed.result_int() == 201, confirmed.body());
  CHECK(json_of(confirmed)["session"]["kind"] == "full");
  return secret;
}

std::unique_ptr<storage::store> open_database(const server_process& server) {
  storage::sqlite_options options;
  options.path = server.folder() + "/latchkey.db";
  auto opened = storage::open_sqlite_store(options);
  REQUIRE(opened.has_value());
  return std::move(*opened);
}

}  // namespace

TEST_CASE("a password alone gives a session that can only enroll") {
  server_process server;
  api_client c(server.port(), kOrigin);
  const auto res = password_sign_up(c, "amy");
  REQUIRE_MESSAGE(res.result_int() == 201, res.body());
  CHECK(json_of(res)["session"]["kind"] == "enrollment");
  CHECK(json_of(res)["session"]["assurance"] == "AAL1");
  // A full-session route is refused; /me says what comes next.
  auto denied = c.get("/api/v1/credentials");
  CHECK(denied.result_int() == 403);
  CHECK(code_of(denied) == "second_factor_required");
  CHECK(json_of(c.get("/api/v1/me"))["next"] ==
        nlohmann::json::array({"enroll"}));
  // Signing in again with the password alone gives the same.
  api_client again(server.port(), kOrigin);
  CHECK(json_of(password_sign_in(again, "amy"))["session"]["kind"] ==
        "enrollment");
}

TEST_CASE("passwords are checked for length, normalized and listed") {
  const auto list = std::filesystem::temp_directory_path() /
                    ("latchkey-breached-" + std::to_string(::getpid()));
  // One as text, one as the hex SHA-1 of "password1234" with a count.
  std::ofstream(list) << "letmein12345\n"
                      << "E6B6AFBD6D76BB5D2041542D7D2E3FAC5BB05593:42\n";
  server_process server({"--breached-passwords", list.string()});
  api_client c(server.port(), kOrigin);
  CHECK(code_of(password_sign_up(c, "ann", "short")) == "password_too_short");
  CHECK(code_of(password_sign_up(c, "ann", std::string(2000, 'x'))) ==
        "password_too_long");
  CHECK(code_of(password_sign_up(c, "ann", "letmein12345")) ==
        "password_breached");
  CHECK(code_of(password_sign_up(c, "ann", "password1234")) ==
        "password_breached");
  const auto not_utf8 = c.send(
      verb::post, "/api/v1/signup/password",
      "{\"username\":\"ann\",\"displayName\":\"A\",\"password\":\"ab\xff\xfe"
      "cdefghij\"}",
      {});
  CHECK(not_utf8.result_int() == 400);
  // Full-width digits are the same password as ASCII ones after NFKC.
  REQUIRE(
      password_sign_up(c, "ann", "tulip\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93")
          .result_int() == 201);
  api_client other(server.port(), kOrigin);
  CHECK(password_sign_in(other, "ann", "tulip123").result_int() == 200);
  std::filesystem::remove(list);
}

TEST_CASE("TOTP: enrolled, then the second step after a password") {
  server_process server;
  api_client c(server.port(), kOrigin);
  const auto secret = enroll_totp(c, "bea");
  api_client b(server.port(), kOrigin);
  const auto first = password_sign_in(b, "bea");
  REQUIRE(first.result_int() == 200);
  CHECK(json_of(first)["session"]["kind"] == "partial");
  CHECK(json_of(first)["next"] == nlohmann::json::array({"totp"}));
  // Half way, the account's routes are closed.
  CHECK(code_of(b.get("/api/v1/credentials")) == "second_factor_required");
  // The code that confirmed the enrollment cannot sign in.
  auto res = b.post("/api/v1/signin/totp", {{"code", code_now(secret)}});
  CHECK(res.result_int() == 401);
  CHECK(server.log().find("reason=code_already_used") != std::string::npos);
  res = b.post("/api/v1/signin/totp", {{"code", next_code(secret)}});
  REQUIRE_MESSAGE(res.result_int() == 200, res.body());
  CHECK(json_of(res)["session"]["kind"] == "full");
  CHECK(json_of(res)["session"]["assurance"] == "AAL2");
  // A replayed code is refused, in another half-way session.
  api_client d(server.port(), kOrigin);
  REQUIRE(password_sign_in(d, "bea").result_int() == 200);
  res = d.post("/api/v1/signin/totp", {{"code", next_code(secret)}});
  CHECK(res.result_int() == 401);
  CHECK(code_of(res) == "sign_in_failed");
}

TEST_CASE("32 racing requests with one TOTP code: exactly one signs in") {
  server_process server({"--insecure-disable-address-limits"});
  api_client enroll(server.port(), kOrigin);
  const auto secret = enroll_totp(enroll, "cal");
  std::vector<api_client> clients;
  for (int i = 0; i < 32; ++i) {
    clients.emplace_back(server.port(), kOrigin);
    REQUIRE(password_sign_in(clients.back(), "cal").result_int() == 200);
  }
  const auto code = next_code(secret);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (auto& c : clients) {
    threads.emplace_back([&c, &code, &ok] {
      if (c.post("/api/v1/signin/totp", {{"code", code}}).result_int() == 200)
        ++ok;
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(ok == 1);
}

TEST_CASE("recovery codes: a set shown once, each used once, counted") {
  server_process server({"--insecure-disable-address-limits"});
  api_client c(server.port(), kOrigin);
  enroll_totp(c, "dee");
  auto res = c.post("/api/v1/recovery-codes", nlohmann::json::object());
  REQUIRE_MESSAGE(res.result_int() == 201, res.body());
  CHECK(res[field::cache_control] == "no-store");
  const auto codes = json_of(res)["codes"];
  REQUIRE(codes.size() == 10);
  CHECK(json_of(c.get("/api/v1/recovery-codes"))["remaining"] == 10);

  api_client b(server.port(), kOrigin);
  REQUIRE(password_sign_in(b, "dee").result_int() == 200);
  const auto code = codes[3].get<std::string>();
  // Lower case and without dashes is the same code.
  std::string typed;
  for (const char ch : code) {
    if (ch != '-')
      typed += static_cast<char>(std::tolower(ch));
  }
  res = b.post("/api/v1/signin/recovery", {{"code", typed}});
  REQUIRE_MESSAGE(res.result_int() == 200, res.body());
  CHECK(json_of(b.get("/api/v1/recovery-codes"))["remaining"] == 9);
  // Used once only.
  api_client d(server.port(), kOrigin);
  REQUIRE(password_sign_in(d, "dee").result_int() == 200);
  CHECK(d.post("/api/v1/signin/recovery", {{"code", code}}).result_int() ==
        401);
  // The next sign-in shows that a recovery code was used.
  api_client e(server.port(), kOrigin);
  REQUIRE(password_sign_in(e, "dee").result_int() == 200);
  res = e.post("/api/v1/signin/recovery", {{"code", codes[4]}});
  REQUIRE(res.result_int() == 200);
  const auto notices = json_of(res)["notices"];
  REQUIRE_FALSE(notices.empty());
  CHECK(notices[0]["type"] == "recovery_code_used");
  // A new set voids the old one.
  res = c.post("/api/v1/recovery-codes", nlohmann::json::object());
  REQUIRE(res.result_int() == 201);
  api_client f(server.port(), kOrigin);
  REQUIRE(password_sign_in(f, "dee").result_int() == 200);
  CHECK(f.post("/api/v1/signin/recovery", {{"code", codes[5]}}).result_int() ==
        401);
}

TEST_CASE("32 racing requests with one recovery code: exactly one signs in") {
  server_process server({"--insecure-disable-address-limits"});
  api_client c(server.port(), kOrigin);
  enroll_totp(c, "eli");
  const auto codes = json_of(
      c.post("/api/v1/recovery-codes", nlohmann::json::object()))["codes"];
  std::vector<api_client> clients;
  for (int i = 0; i < 32; ++i) {
    clients.emplace_back(server.port(), kOrigin);
    REQUIRE(password_sign_in(clients.back(), "eli").result_int() == 200);
  }
  const auto code = codes[0].get<std::string>();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (auto& client : clients) {
    threads.emplace_back([&client, &code, &ok] {
      const auto res = client.post("/api/v1/signin/recovery", {{"code", code}});
      if (res.result_int() == 200)
        ++ok;
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(ok == 1);
}

TEST_CASE("a password and a passkey make two factors") {
  server_process server;
  api_client c(server.port(), kOrigin);
  auto fay = test_support::sign_up(c, "fay");
  // Give the passkey account a password, with the fresh strong sign-in.
  auto res = c.post("/api/v1/password", {{"newPassword", kPassword}});
  REQUIRE_MESSAGE(res.result_int() == 204, res.body());
  api_client b(server.port(), kOrigin);
  res = password_sign_in(b, "fay");
  REQUIRE(res.result_int() == 200);
  CHECK(json_of(res)["next"] == nlohmann::json::array({"passkey"}));
  // The options offer only fay's keys, whatever name is sent.
  const auto options =
      json_of(b.post("/api/v1/signin/options", nlohmann::json::object()));
  REQUIRE(options["publicKey"]["allowCredentials"].size() == 1);
  res = test_support::sign_in(b, fay.key);
  REQUIRE_MESSAGE(res.result_int() == 200, res.body());
  const auto session = json_of(res)["session"];
  CHECK(session["kind"] == "full");
  CHECK(session["methods"].size() == 2);
  CHECK(session["methods"][0]["type"] == "password");
  CHECK(session["methods"][1]["type"] == "passkey");
}

TEST_CASE("under the phishing-resistant option TOTP cannot downgrade") {
  server_process server({"--require-phishing-resistant"});
  api_client c(server.port(), kOrigin);
  const auto secret = enroll_totp(c, "gil");
  // Add a passkey with the fresh strong session.
  auto answer =
      json_of(c.post("/api/v1/credentials/options", nlohmann::json::object()));
  test_support::registration_options r;
  r.origin = kOrigin;
  r.challenge = test_support::challenge_of(answer);
  r.user_handle = *common::base64url_decode(
      answer["publicKey"]["user"]["id"].get<std::string>());
  const auto reg = test_support::make_registration(r);
  REQUIRE(
      c.post("/api/v1/credentials/result",
             {{"ceremony", answer["ceremony"]}, {"credential", reg.to_json()}})
          .result_int() == 201);
  api_client b(server.port(), kOrigin);
  const auto first = password_sign_in(b, "gil");
  CHECK(json_of(first)["next"] == nlohmann::json::array({"passkey"}));
  const auto res = b.post("/api/v1/signin/totp", {{"code", next_code(secret)}});
  CHECK(res.result_int() == 401);
  CHECK(server.log().find("reason=totp_not_allowed") != std::string::npos);
}

TEST_CASE("no bypass: changes need a recent second factor") {
  server_process server({"--reauth-window", "1s"});
  api_client c(server.port(), kOrigin);
  enroll_totp(c, "hal");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto res = c.post("/api/v1/password", {{"currentPassword", kPassword},
                                         {"newPassword", "a new password!"}});
  CHECK(code_of(res) == "reauthentication_required");
  CHECK(code_of(c.post("/api/v1/recovery-codes", nlohmann::json::object())) ==
        "reauthentication_required");
  CHECK(code_of(c.send(verb::delete_, "/api/v1/totp", "",
                       {{"Content-Type", "application/json"}})) ==
        "reauthentication_required");
  CHECK(code_of(c.post("/api/v1/totp", nlohmann::json::object())) ==
        "reauthentication_required");
}

TEST_CASE("the last second factor cannot be removed") {
  server_process server;
  api_client c(server.port(), kOrigin);
  enroll_totp(c, "ida");
  const auto res = c.send(verb::delete_, "/api/v1/totp", "",
                          {{"Content-Type", "application/json"}});
  CHECK(res.result_int() == 409);
  CHECK(code_of(res) == "last_second_factor");
}

TEST_CASE(
    "a password change asks for the current one and ends other sessions") {
  server_process server;
  api_client c(server.port(), kOrigin);
  const auto secret = enroll_totp(c, "jon");
  api_client other(server.port(), kOrigin);
  REQUIRE(password_sign_in(other, "jon").result_int() == 200);
  auto res = c.post("/api/v1/password", {{"currentPassword", "wrong one!"},
                                         {"newPassword", "brand new secret"}});
  CHECK(code_of(res) == "password_mismatch");
  res = c.post("/api/v1/password", {{"newPassword", "brand new secret"}});
  CHECK(code_of(res) == "member_missing");
  res = c.post("/api/v1/password", {{"currentPassword", kPassword},
                                    {"newPassword", "brand new secret"}});
  REQUIRE_MESSAGE(res.result_int() == 204, res.body());
  CHECK(other.get("/api/v1/me").result_int() == 401);
  CHECK(c.get("/api/v1/me").result_int() == 200);
  api_client later(server.port(), kOrigin);
  CHECK(password_sign_in(later, "jon").result_int() == 401);
  CHECK(password_sign_in(later, "jon", "brand new secret").result_int() == 200);
  (void)secret;
}

TEST_CASE("a reset token needs a second factor before a new password") {
  server_process server;
  api_client c(server.port(), kOrigin);
  const auto secret = enroll_totp(c, "kay");
  std::string token;
  {
    auto db = open_database(server);
    const auto user = db->find_user_by_name("kay");
    REQUIRE(user.has_value());
    auto issued = server::issue_one_time_token(
        *db, storage::ceremony_kind::password_reset, user->id,
        std::chrono::hours(1), std::chrono::system_clock::now());
    REQUIRE(issued.has_value());
    token = *issued;
  }
  api_client b(server.port(), kOrigin);
  auto res = b.post("/api/v1/password/reset", {{"token", token}});
  REQUIRE_MESSAGE(res.result_int() == 200, res.body());
  CHECK(json_of(res)["session"]["kind"] == "partial");
  // Without the second factor, no new password.
  res = b.post("/api/v1/password", {{"newPassword", "after the reset"}});
  CHECK(code_of(res) == "second_factor_required");
  // The token is spent.
  api_client d(server.port(), kOrigin);
  CHECK(code_of(d.post("/api/v1/password/reset", {{"token", token}})) ==
        "ceremony_unknown");
  REQUIRE(b.post("/api/v1/signin/totp", {{"code", next_code(secret)}})
              .result_int() == 200);
  res = b.post("/api/v1/password", {{"newPassword", "after the reset"}});
  REQUIRE_MESSAGE(res.result_int() == 204, res.body());
  api_client later(server.port(), kOrigin);
  CHECK(password_sign_in(later, "kay", "after the reset").result_int() == 200);
}

TEST_CASE("failed guesses: growing delays, a lockout, and a passkey unhurt") {
  server_process server(
      {"--free-failures", "2", "--lockout-failures", "6", "--max-delay", "1s"});
  api_client c(server.port(), kOrigin);
  auto lee = test_support::sign_up(c, "lee");
  REQUIRE(
      c.post("/api/v1/password", {{"newPassword", kPassword}}).result_int() ==
      204);
  api_client attacker(server.port(), kOrigin);
  CHECK(password_sign_in(attacker, "lee", "guess one").result_int() == 401);
  CHECK(password_sign_in(attacker, "lee", "guess two").result_int() == 401);
  CHECK(password_sign_in(attacker, "lee", "guess three").result_int() == 401);
  // Now the account waits out a delay, even for the right password.
  auto res = password_sign_in(attacker, "lee");
  CHECK(res.result_int() == 429);
  CHECK(code_of(res) == "rate_limited");
  CHECK_FALSE(std::string(res[field::retry_after]).empty());
  // A passkey still signs in at once: assertions cannot be guessed.
  api_client owner(server.port(), kOrigin);
  CHECK(test_support::sign_in(owner, lee.key, "lee").result_int() == 200);
  // The delay expires.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  for (int guess = 0; guess < 3; ++guess) {
    (void)password_sign_in(attacker, "lee", "another guess");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  }
  // Six failures in all: locked until cleared, whatever the wait.
  res = password_sign_in(attacker, "lee");
  CHECK(res.result_int() == 429);
  CHECK(code_of(res) == "factor_locked");
  CHECK(test_support::sign_in(owner, lee.key, "lee").result_int() == 200);
}

TEST_CASE("a thousand wrong passwords, then a passkey sign-in at once") {
  server_process server;
  api_client c(server.port(), kOrigin);
  auto max = test_support::sign_up(c, "max");
  REQUIRE(
      c.post("/api/v1/password", {{"newPassword", kPassword}}).result_int() ==
      204);
  api_client attacker(server.port(), kOrigin);
  int refused = 0, limited = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto res =
        password_sign_in(attacker, "max", "guess " + std::to_string(i));
    refused += res.result_int() == 401;
    limited += res.result_int() == 429;
  }
  CHECK(refused + limited == 1000);
  CHECK(refused <= 10);  // the rest never reached a hash
  api_client owner(server.port(), kOrigin);
  const auto res = test_support::sign_in(owner, max.key, "max");
  CHECK(res.result_int() == 200);
}

TEST_CASE("unknown and known users get the same answer") {
  server_process server;
  api_client c(server.port(), kOrigin);
  REQUIRE(password_sign_up(c, "ned").result_int() == 201);
  api_client b(server.port(), kOrigin);
  const auto known = password_sign_in(b, "ned", "not the password");
  const auto unknown = password_sign_in(b, "nobody-here", "not the password");
  CHECK(known.result_int() == 401);
  CHECK(unknown.result_int() == 401);
  CHECK(known.body() == unknown.body());
}

TEST_CASE("sessions are listed and any can be ended") {
  server_process server;
  api_client c(server.port(), kOrigin);
  enroll_totp(c, "ora");
  api_client other(server.port(), kOrigin);
  auto half = password_sign_in(other, "ora");
  REQUIRE(half.result_int() == 200);
  const auto list = json_of(c.get("/api/v1/sessions"))["sessions"];
  REQUIRE(list.size() == 2);
  std::string other_id;
  for (const auto& s : list) {
    CHECK(s.contains("lastSeenAt"));
    CHECK(s.contains("address"));
    if (!s["current"].get<bool>())
      other_id = s["id"];
  }
  REQUIRE_FALSE(other_id.empty());
  CHECK(c.send(verb::delete_, "/api/v1/sessions/" + other_id, "",
               {{"Content-Type", "application/json"}})
            .result_int() == 204);
  CHECK(other.get("/api/v1/me").result_int() == 401);
  CHECK(c.send(verb::delete_, "/api/v1/sessions/AAAA", "",
               {{"Content-Type", "application/json"}})
            .result_int() == 404);
}

TEST_CASE("the factor routes refuse malformed bodies and wrong types") {
  server_process server;
  api_client c(server.port(), kOrigin);
  for (const std::string path :
       {"/api/v1/signup/password", "/api/v1/signin/password",
        "/api/v1/signin/totp", "/api/v1/signin/recovery", "/api/v1/totp",
        "/api/v1/totp/confirm", "/api/v1/recovery-codes", "/api/v1/password",
        "/api/v1/password/reset", "/api/v1/enroll"}) {
    CAPTURE(path);
    for (const std::string body : {"{", "[]", R"({"a":1,"a":2})", "7"}) {
      const auto res = c.send(verb::post, path, body, {});
      CHECK(res.result_int() >= 400);
      CHECK(res.result_int() < 500);
    }
  }
  CHECK(code_of(c.post("/api/v1/signin/password",
                       {{"username", "x"}, {"password", 5}})) ==
        "member_wrong_type");
  CHECK(code_of(c.post("/api/v1/signin/totp", {{"code", "123456"}})) ==
        "not_signed_in");
  CHECK(code_of(c.post("/api/v1/enroll", {{"token", "not-a-token"}})) ==
        "ceremony_unknown");
  CHECK(code_of(c.patch("/api/v1/settings", {{"phishingResistantOnly", 1}})) ==
        "member_wrong_type");
}

TEST_CASE("a cheaper stored password hash is upgraded at the next sign-in") {
  server_process server;
  {
    auto db = open_database(server);
    // What an older configuration left: Argon2id at 1 MiB and 1 pass.
    const std::string salt = "0123456789abcdef";
    char encoded[128] = {};
    REQUIRE(argon2id_hash_encoded(1, 1024, 1, kPassword.data(),
                                  kPassword.size(), salt.data(), salt.size(),
                                  32, encoded, sizeof encoded) == ARGON2_OK);
    REQUIRE(db->create_user({common::bytes(64, 3), "old", "Old", encoded},
                            std::chrono::system_clock::now())
                .has_value());
  }
  api_client c(server.port(), kOrigin);
  REQUIRE(password_sign_in(c, "old").result_int() == 200);
  auto db = open_database(server);
  const auto user = db->find_user_by_name("old");
  REQUIRE(user.has_value());
  REQUIRE(user->password_hash.has_value());
  CHECK(user->password_hash->find("m=19456,t=2,p=1") != std::string::npos);
  api_client again(server.port(), kOrigin);
  CHECK(password_sign_in(again, "old").result_int() == 200);
}
