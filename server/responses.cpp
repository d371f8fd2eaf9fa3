#include "server/responses.hpp"

#include <nlohmann/json.hpp>

namespace server {
namespace {

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; manifest-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

}  // namespace

response problem(http::status status, std::string_view code,
                 std::string_view detail, unsigned version) {
  const nlohmann::json body = {
      {"type", "urn:latchkey:problem:" + std::string(code)},
      {"title", std::string(http::obsolete_reason(status))},
      {"status", static_cast<unsigned>(status)},
      {"code", code},
      {"detail", detail},
  };
  response res{status, version};
  res.set(http::field::content_type, "application/problem+json");
  res.body() =
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.prepare_payload();
  return res;
}

response json_response(http::status status, std::string body,
                       unsigned version) {
  response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

void add_security_headers(response& res) {
  res.set(http::field::server, "latchkey");
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.set("Cross-Origin-Resource-Policy", "same-origin");
}

}  // namespace server
