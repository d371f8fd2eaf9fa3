// A client of the account API as a browser page would be: JSON bodies,
// the Origin header, and the cookies the server sets kept between calls,
// with people who hold software authenticators.
//
// Not thread-safe: one client per thread.
#pragma once

#include "http_client.hpp"
#include "tests/support/soft_authenticator.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

namespace test_support {

class api_client {
 public:
  api_client(std::uint16_t port, std::string origin);

  // A JSON request with Content-Type: application/json and Origin.
  server::response post(std::string_view path, const nlohmann::json& body);
  server::response patch(std::string_view path, const nlohmann::json& body);
  server::response del(std::string_view path);
  server::response get(std::string_view path);
  // Anything: the headers given replace the defaults (an empty value
  // leaves the header out).
  server::response send(server::http::verb method, std::string_view path,
                        std::string body,
                        const std::map<std::string, std::string>& headers);

  // Cookies the server set and did not delete since.
  std::map<std::string, std::string> cookies;
  std::string origin;

 private:
  void keep_cookies(const server::response& res);

  std::uint16_t port_;
};

// The origin the test servers are configured with (their default).
inline const std::string kOrigin = "http://localhost:8080";

nlohmann::json json_of(const server::response& res);

// The `code` of a problem answer, empty when there is none.
std::string code_of(const server::response& res);

// Someone with one credential on a software authenticator.
struct person {
  std::string username;
  credential key;
};

// The options answer's challenge, decoded.
common::bytes challenge_of(const nlohmann::json& options_answer);

// Signs up `username` with a new passkey; fails the test unless the
// server answers 201. `uv` is whether the authenticator verifies the user.
person sign_up(api_client& client, const std::string& username, bool uv = true);

// The sign-in options for `username` (empty: usernameless), then an
// assertion of `key` over their challenge: the answer to the result call.
server::response sign_in(api_client& client, credential& key,
                         const std::string& username = {},
                         const assertion_options& tweaks = {});

}  // namespace test_support
