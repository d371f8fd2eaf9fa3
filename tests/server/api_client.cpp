#include "api_client.hpp"

#include "common/encoding.hpp"

#include <doctest/doctest.h>

namespace test_support {

using server::http::field;
using server::http::verb;

api_client::api_client(std::uint16_t port, std::string origin_text)
    : origin(std::move(origin_text)), port_(port) {}

server::response api_client::send(
    verb method, std::string_view path, std::string body,
    const std::map<std::string, std::string>& headers) {
  server::request req{method, path, 11};
  std::map<std::string, std::string> all = {
      {"Host", "localhost"},
      {"Origin", origin},
      {"Content-Type", body.empty() ? "" : "application/json"}};
  std::string cookie_header;
  for (const auto& [name, value] : cookies)
    cookie_header += (cookie_header.empty() ? "" : "; ") + name + "=" + value;
  all["Cookie"] = cookie_header;
  for (const auto& [name, value] : headers)
    all[name] = value;
  for (const auto& [name, value] : all) {
    if (!value.empty())
      req.set(name, value);
  }
  req.body() = std::move(body);
  http_client connection(port_);
  auto res = connection.exchange(std::move(req));
  keep_cookies(res);
  return res;
}

void api_client::keep_cookies(const server::response& res) {
  const auto [first, last] = res.equal_range(field::set_cookie);
  for (auto it = first; it != last; ++it) {
    const std::string_view text = it->value();
    const auto equals = text.find('=');
    const auto end = text.find(';');
    const std::string name(text.substr(0, equals));
    const std::string value(text.substr(equals + 1, end - equals - 1));
    if (value.empty() || text.find("Max-Age=0") != std::string_view::npos)
      cookies.erase(name);
    else
      cookies[name] = value;
  }
}

server::response api_client::post(std::string_view path,
                                  const nlohmann::json& body) {
  return send(verb::post, path, body.dump(), {});
}

server::response api_client::patch(std::string_view path,
                                   const nlohmann::json& body) {
  return send(verb::patch, path, body.dump(), {});
}

server::response api_client::del(std::string_view path) {
  return send(verb::delete_, path, "", {{"Content-Type", "application/json"}});
}

server::response api_client::get(std::string_view path) {
  return send(verb::get, path, "", {{"Origin", ""}});
}

nlohmann::json json_of(const server::response& res) {
  auto parsed = nlohmann::json::parse(res.body(), nullptr, false);
  REQUIRE_MESSAGE(!parsed.is_discarded(), "not JSON: " << res.body());
  return parsed;
}

std::string code_of(const server::response& res) {
  return json_of(res).value("code", std::string());
}

common::bytes challenge_of(const nlohmann::json& options_answer) {
  const auto text =
      options_answer.at("publicKey").at("challenge").get<std::string>();
  const auto bytes = common::base64url_decode(text);
  REQUIRE(bytes.has_value());
  return *bytes;
}

person sign_up(api_client& client, const std::string& username, bool uv) {
  auto options = client.post(
      "/api/v1/signup/options",
      {{"username", username}, {"displayName", "Person " + username}});
  REQUIRE_MESSAGE(options.result_int() == 200, options.body());
  const auto answer = json_of(options);
  registration_options r;
  r.rp_id = answer.at("publicKey").at("rp").at("id").get<std::string>();
  r.origin = client.origin;
  r.challenge = challenge_of(answer);
  r.flags.uv = uv;
  const auto handle = common::base64url_decode(
      answer.at("publicKey").at("user").at("id").get<std::string>());
  REQUIRE(handle.has_value());
  r.user_handle = *handle;
  const auto reg = make_registration(r);
  auto result = client.post(
      "/api/v1/signup/result",
      {{"ceremony", answer.at("ceremony")}, {"credential", reg.to_json()}});
  REQUIRE_MESSAGE(result.result_int() == 201, result.body());
  return {username, reg.to_credential()};
}

server::response sign_in(api_client& client, credential& key,
                         const std::string& username,
                         const assertion_options& tweaks) {
  nlohmann::json body = nlohmann::json::object();
  if (!username.empty())
    body["username"] = username;
  auto options = client.post("/api/v1/signin/options", body);
  REQUIRE_MESSAGE(options.result_int() == 200, options.body());
  const auto answer = json_of(options);
  assertion_options a = tweaks;
  a.origin = tweaks.origin == assertion_options{}.origin ? client.origin
                                                         : tweaks.origin;
  if (a.challenge.empty())
    a.challenge = challenge_of(answer);
  const auto signed_assertion = make_assertion(key, a);
  return client.post("/api/v1/signin/result",
                     {{"ceremony", answer.at("ceremony")},
                      {"credential", signed_assertion.to_json()}});
}

}  // namespace test_support
