#include "server/api.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <set>

using namespace server;
using nlohmann::json;

namespace {

settings configured() {
  settings s;
  s.rp_id = "example.com";
  s.origins = {"https://example.com", "https://login.example.com"};
  s.secure_cookies = true;
  return s;
}

request post(std::string body, std::string_view content_type = {},
             std::string_view origin = {}) {
  request req{http::verb::post, "/api/v1/signup/options", 11};
  if (!content_type.empty())
    req.set(http::field::content_type, content_type);
  if (!origin.empty())
    req.set(http::field::origin, origin);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

json body_of(const response& res) {
  auto parsed = json::parse(res.body(), nullptr, false);
  REQUIRE(parsed.is_object());
  return parsed;
}

// The value of a result that must have one.
template <class T>
T value_of(const api_result<T>& r) {
  REQUIRE(r.has_value());
  return *r;
}

api_error refusal(const api_result<void>& r) {
  REQUIRE(r.has_error());
  return r.error().code;
}

api_error body_refusal(std::string body,
                       std::initializer_list<std::string_view> allowed) {
  const auto r = json_object_body(post(std::move(body)), allowed);
  REQUIRE(r.has_error());
  return r.error().code;
}

}  // namespace

TEST_CASE("every api_error has its own name") {
  std::set<std::string_view> names;
  for (const auto e : all_api_errors()) {
    CAPTURE(static_cast<int>(e));
    CHECK_FALSE(name_of(e).empty());
    names.insert(name_of(e));
  }
  CHECK(names.size() == all_api_errors().size());
  CHECK(all_api_errors().front() == api_error::content_type_not_json);
  CHECK(all_api_errors().back() == api_error::user_not_found);
}

TEST_CASE("problem_for gives an RFC 9457 document") {
  api_failure failure(api_error::member_missing, "username is required.");
  failure.member = "username";
  const auto res = problem_for(failure, 11, false);
  CHECK(res.result() == http::status::bad_request);
  CHECK(res[http::field::content_type] == "application/problem+json");
  CHECK(res[http::field::cache_control] == "no-store");
  const auto body = body_of(res);
  CHECK(body["type"] == "urn:latchkey:problem:member_missing");
  CHECK(body["title"] == "Bad Request");
  CHECK(body["status"] == 400);
  CHECK(body["code"] == "member_missing");
  CHECK(body["detail"] == "username is required.");
  CHECK(body["member"] == "username");
  CHECK_FALSE(body.contains("reason"));
  CHECK(res.find(http::field::retry_after) == res.end());
}

TEST_CASE("problem_for uses the code's own sentence without a detail") {
  const auto body = body_of(problem_for(api_error::username_taken, 11, false));
  CHECK(body["detail"] == "That username is taken.");
  CHECK_FALSE(body.contains("member"));
}

TEST_CASE("problem_for shows the reason only when asked to") {
  api_failure failure(api_error::registration_refused);
  failure.reason = "challenge_mismatch";
  CHECK(body_of(problem_for(failure, 11, true))["reason"] ==
        "challenge_mismatch");
  CHECK_FALSE(body_of(problem_for(failure, 11, false)).contains("reason"));
  failure.reason.clear();
  CHECK_FALSE(body_of(problem_for(failure, 11, true)).contains("reason"));
}

TEST_CASE("problem_for answers each code with its status") {
  for (const auto e : all_api_errors()) {
    CAPTURE(name_of(e));
    const auto res = problem_for(e, 11, false);
    CHECK(res.result() == status_of(e));
    const auto body = body_of(res);
    CHECK(body["status"] == static_cast<unsigned>(status_of(e)));
    CHECK(body["code"] == name_of(e));
    CHECK_FALSE(body["detail"].get<std::string>().empty());
  }
  const std::pair<api_error, http::status> expected[] = {
      {api_error::content_type_not_json, http::status::unsupported_media_type},
      {api_error::origin_not_allowed, http::status::forbidden},
      {api_error::body_not_json, http::status::bad_request},
      {api_error::username_taken, http::status::conflict},
      {api_error::credential_already_registered, http::status::conflict},
      {api_error::sign_in_failed, http::status::unauthorized},
      {api_error::not_signed_in, http::status::unauthorized},
      {api_error::credential_suspended, http::status::forbidden},
      {api_error::reauthentication_required, http::status::forbidden},
      {api_error::credential_not_found, http::status::not_found},
      {api_error::last_credential, http::status::conflict},
      {api_error::rate_limited, http::status::too_many_requests},
      {api_error::service_unavailable, http::status::service_unavailable},
      {api_error::internal, http::status::internal_server_error},
  };
  for (const auto& [e, status] : expected) {
    CAPTURE(name_of(e));
    CHECK(status_of(e) == status);
  }
}

TEST_CASE("problem_for sets Retry-After, at least one second") {
  api_failure limited(api_error::rate_limited);
  limited.retry_after = std::chrono::seconds(30);
  CHECK(problem_for(limited, 11, false)[http::field::retry_after] == "30");
  limited.retry_after = std::chrono::seconds(0);
  CHECK(problem_for(limited, 11, false)[http::field::retry_after] == "1");
  limited.retry_after = std::chrono::seconds(-5);
  CHECK(problem_for(limited, 11, false)[http::field::retry_after] == "1");
}

TEST_CASE("json_answer is JSON that is never cached") {
  const auto res = json_answer(http::status::created, {{"a", 1}}, 11);
  CHECK(res.result() == http::status::created);
  CHECK(res[http::field::content_type] == "application/json");
  CHECK(res[http::field::cache_control] == "no-store");
  CHECK(body_of(res)["a"] == 1);
}

TEST_CASE("check_state_change needs a JSON content type") {
  const auto s = configured();
  const std::string origin = "https://example.com";
  CHECK(refusal(check_state_change(post("{}", {}, origin), s)) ==
        api_error::content_type_not_json);
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/jsonx",
        "application/json-patch+json", "text/json"}) {
    CAPTURE(type);
    CHECK(refusal(check_state_change(post("{}", type, origin), s)) ==
          api_error::content_type_not_json);
  }
  for (const char* type :
       {"application/json", "application/json; charset=utf-8",
        "Application/JSON", "application/json ;charset=utf-8"}) {
    CAPTURE(type);
    CHECK(check_state_change(post("{}", type, origin), s).has_value());
  }
}

TEST_CASE("check_state_change needs an Origin from the configured list") {
  const auto s = configured();
  const std::string_view json_type = "application/json";
  CHECK(refusal(check_state_change(post("{}", json_type), s)) ==
        api_error::origin_not_allowed);
  for (const char* origin :
       {"https://evil.example", "https://example.com/", "https://EXAMPLE.com",
        "http://example.com", "https://example.com:443", "null",
        "https://example.com.evil.net"}) {
    CAPTURE(origin);
    CHECK(refusal(check_state_change(post("{}", json_type, origin), s)) ==
          api_error::origin_not_allowed);
  }
  CHECK(
      check_state_change(post("{}", json_type, "https://login.example.com"), s)
          .has_value());
  // The content type is checked first.
  CHECK(refusal(check_state_change(post("{}", "text/plain"), s)) ==
        api_error::content_type_not_json);
}

TEST_CASE("json_object_body refuses what is not a JSON object") {
  for (const char* text :
       {"", "{", "{\"a\":}", "nonsense", "{'a': 1}", "{\"a\": 1} trailing"}) {
    CAPTURE(text);
    CHECK(body_refusal(text, {"a"}) == api_error::body_not_json);
  }
  for (const char* text :
       {"[]", "[{\"a\": 1}]", "\"a\"", "1", "null", "true"}) {
    CAPTURE(text);
    CHECK(body_refusal(text, {"a"}) == api_error::body_not_object);
  }
}

TEST_CASE("json_object_body refuses repeated member names") {
  CHECK(body_refusal(R"({"a": 1, "a": 2})", {"a"}) == api_error::body_not_json);
  CHECK(body_refusal(R"({"a": {"b": 1, "b": 1}})", {"a"}) ==
        api_error::body_not_json);
}

TEST_CASE("json_object_body refuses bodies nested too deep") {
  const std::string deep =
      "{\"a\": " + std::string(40, '[') + std::string(40, ']') + "}";
  CHECK(body_refusal(deep, {"a"}) == api_error::body_not_json);
}

TEST_CASE("json_object_body refuses members the route does not take") {
  const auto r = json_object_body(post(R"({"username": "a", "admin": true})"),
                                  {"username", "displayName"});
  REQUIRE(r.has_error());
  CHECK(r.error().code == api_error::member_unknown);
  CHECK(r.error().member == "admin");
  CHECK(body_refusal(R"({"x": 1})", {}) == api_error::member_unknown);
}

TEST_CASE("json_object_body gives an object with the members allowed") {
  const auto r =
      json_object_body(post(R"({"username": "a"})"), {"username", "other"});
  REQUIRE(r.has_value());
  CHECK((*r)["username"] == "a");
  CHECK(json_object_body(post("{}"), {}).has_value());
  CHECK(json_object_body(post(" { } "), {}).has_value());
}

TEST_CASE("string_member reads a bounded string") {
  const json object = {{"name", "abcd"},
                       {"number", 5},
                       {"null", nullptr},
                       {"list", {1, 2}},
                       {"empty", ""}};
  CHECK(value_of(string_member(object, "name", 4)) == "abcd");
  CHECK(value_of(string_member(object, "empty", 4)).empty());

  const auto too_long = string_member(object, "name", 3);
  REQUIRE(too_long.has_error());
  CHECK(too_long.error().code == api_error::member_invalid);
  CHECK(too_long.error().member == "name");

  for (const char* name : {"number", "list"}) {
    CAPTURE(name);
    const auto wrong = string_member(object, name, 10);
    REQUIRE(wrong.has_error());
    CHECK(wrong.error().code == api_error::member_wrong_type);
    CHECK(wrong.error().member == name);
  }
  for (const char* name : {"absent", "null"}) {
    CAPTURE(name);
    const auto missing = string_member(object, name, 10);
    REQUIRE(missing.has_error());
    CHECK(missing.error().code == api_error::member_missing);
    CHECK(missing.error().member == name);
  }
}

TEST_CASE("optional_string_member takes absent and null as none") {
  const json object = {{"name", "abc"}, {"null", nullptr}, {"number", 1}};
  CHECK(value_of(optional_string_member(object, "name", 3)) == "abc");
  CHECK_FALSE(
      value_of(optional_string_member(object, "absent", 3)).has_value());
  CHECK_FALSE(value_of(optional_string_member(object, "null", 3)).has_value());
  CHECK(optional_string_member(object, "number", 3).error().code ==
        api_error::member_wrong_type);
  CHECK(optional_string_member(object, "name", 2).error().code ==
        api_error::member_invalid);
}

TEST_CASE("object_member needs an object when required") {
  const json object = {{"inner", {{"a", 1}}}, {"text", "x"}, {"null", nullptr}};
  CHECK((*value_of(object_member(object, "inner", true)))["a"] == 1);
  CHECK(value_of(object_member(object, "absent", false)) == nullptr);
  CHECK(value_of(object_member(object, "null", false)) == nullptr);
  CHECK(object_member(object, "absent", true).error().code ==
        api_error::member_missing);
  CHECK(object_member(object, "text", false).error().code ==
        api_error::member_wrong_type);
}

TEST_CASE("read_cookie finds a cookie among several") {
  request req{http::verb::get, "/", 11};
  req.set(http::field::cookie,
          "theme=dark; latchkey-session-old=1;latchkey-session=tok=en;  x=");
  CHECK(read_cookie(req, "theme") == "dark");
  CHECK(read_cookie(req, "latchkey-session") == "tok=en");
  CHECK(read_cookie(req, "latchkey-session-old") == "1");
  CHECK(read_cookie(req, "x") == "");
  CHECK_FALSE(read_cookie(req, "session").has_value());
  CHECK_FALSE(read_cookie(req, "latchkey").has_value());
  CHECK_FALSE(read_cookie(req, "dark").has_value());
}

TEST_CASE("read_cookie reads every Cookie header") {
  request req{http::verb::get, "/", 11};
  req.insert(http::field::cookie, "a=1; b=2");
  req.insert(http::field::cookie, "c=3");
  CHECK(read_cookie(req, "a") == "1");
  CHECK(read_cookie(req, "b") == "2");
  CHECK(read_cookie(req, "c") == "3");
  CHECK_FALSE(read_cookie(req, "d").has_value());
  CHECK_FALSE(read_cookie(request{}, "a").has_value());
}

TEST_CASE("set_cookie is HttpOnly, SameSite=Strict and Path=/") {
  auto s = configured();
  s.secure_cookies = false;
  CHECK(set_cookie("n", "v", std::chrono::seconds(60), s) ==
        "n=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60");
  s.secure_cookies = true;
  CHECK(set_cookie("n", "v", std::chrono::seconds(60), s) ==
        "n=v; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=60");
  // A zero lifetime deletes the cookie.
  CHECK(set_cookie("n", "", std::chrono::seconds(0), s) ==
        "n=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0");
}

TEST_CASE(
    "cookie_name has the __Host- prefix exactly when cookies are Secure") {
  auto s = configured();
  CHECK(cookie_name("latchkey-session", s) == "__Host-latchkey-session");
  s.secure_cookies = false;
  CHECK(cookie_name("latchkey-session", s) == "latchkey-session");
}

TEST_CASE("preflight_answer allows a configured origin") {
  const auto s = configured();
  request req{http::verb::options, "/api/v1/credentials/x", 11};
  req.set(http::field::origin, "https://login.example.com");
  const auto res = preflight_answer(req, s, "PATCH, DELETE");
  CHECK(res.result() == http::status::no_content);
  CHECK(res[http::field::access_control_allow_origin] ==
        "https://login.example.com");
  CHECK(res[http::field::access_control_allow_credentials] == "true");
  CHECK(res[http::field::access_control_allow_methods] == "PATCH, DELETE");
  CHECK(res[http::field::access_control_allow_headers] == "Content-Type");
  CHECK(res[http::field::access_control_max_age] == "600");
  CHECK(res[http::field::vary] == "Origin");
}

TEST_CASE("preflight_answer refuses an unlisted or missing origin") {
  const auto s = configured();
  for (const char* origin : {"https://evil.example", ""}) {
    CAPTURE(origin);
    request req{http::verb::options, "/api/v1/me", 11};
    if (*origin != '\0')
      req.set(http::field::origin, origin);
    const auto res = preflight_answer(req, s, "GET");
    CHECK(res.result() == http::status::forbidden);
    CHECK(body_of(res)["code"] == "origin_not_allowed");
    CHECK(res.find(http::field::access_control_allow_origin) == res.end());
    CHECK(res.find(http::field::access_control_allow_methods) == res.end());
    CHECK(res[http::field::vary] == "Origin");
  }
}

TEST_CASE("add_cors_headers never echoes an unlisted Origin") {
  const auto s = configured();
  for (const char* origin :
       {"https://evil.example", "https://example.com.evil.net",
        "https://EXAMPLE.com", "null"}) {
    CAPTURE(origin);
    request req{http::verb::post, "/api/v1/signout", 11};
    req.set(http::field::origin, origin);
    response res{http::status::ok, 11};
    add_cors_headers(res, req, s);
    CHECK(res.find(http::field::access_control_allow_origin) == res.end());
    CHECK(res.find(http::field::access_control_allow_credentials) == res.end());
    CHECK(res[http::field::vary] == "Origin");
    for (const auto& f : res)
      CHECK(f.value() != origin);
  }
}

TEST_CASE("add_cors_headers allows a configured origin with credentials") {
  const auto s = configured();
  request req{http::verb::post, "/api/v1/signout", 11};
  req.set(http::field::origin, "https://example.com");
  response res{http::status::ok, 11};
  add_cors_headers(res, req, s);
  CHECK(res[http::field::access_control_allow_origin] == "https://example.com");
  CHECK(res[http::field::access_control_allow_credentials] == "true");
  CHECK(res[http::field::vary] == "Origin");
}
