// What every route of the JSON API shares: its failures and the one place
// that maps them to HTTP statuses, reading a JSON body strictly, the
// cross-site request checks (JSON content type and an Origin from the
// configured list), CORS for the configured origins, and cookies.
//
// Thread-safe: pure functions over their arguments.
#pragma once

#include "server/beast.hpp"
#include "server/settings.hpp"

#include <nlohmann/json.hpp>

#include <boost/system/result.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace server {

// Every way an API request can fail, each a stable machine-readable code
// in the problem document (RFC 9457) that the server answers with.
enum class api_error {
  content_type_not_json,      // 415
  origin_not_allowed,         // 403
  body_not_json,              // 400
  body_not_object,            // 400
  member_missing,             // 400
  member_wrong_type,          // 400
  member_unknown,             // 400
  member_invalid,             // 400: right type, refused value
  username_invalid,           // 400
  display_name_invalid,       // 400
  username_taken,             // 409
  ceremony_missing,           // 400: no handle in the body or a cookie
  ceremony_unknown,           // 400: taken already, never issued, or swept
  ceremony_expired,           // 400
  ceremony_purpose_mismatch,  // 400
  ceremony_session_mismatch,  // 400
  ceremony_user_mismatch,     // 400
  credential_malformed,       // 400: the credential JSON has the wrong shape
  registration_refused,       // 400: with the named WebAuthn reason
  credential_already_registered,  // 409
  sign_in_failed,                 // 401: the same answer whatever the reason
  credential_suspended,       // 403: shown only after the signature verified
  not_signed_in,              // 401
  reauthentication_required,  // 403
  credential_not_found,       // 404
  last_credential,            // 409: removing it would lock the user out
  rate_limited,               // 429
  service_unavailable,        // 503
  internal,                   // 500
  password_too_short,         // 400
  password_too_long,          // 400
  password_breached,          // 400: in the configured list
  password_mismatch,          // 403: the current password, when changing it
  second_factor_required,     // 403: the session has one factor so far
  factor_locked,              // 429: too many failures; an admin clears it
  code_invalid,               // 400: a TOTP code that does not confirm
  factor_not_enrolled,        // 409: no such factor to use or remove
  last_second_factor,         // 409: the policy needs one
  admin_unauthorized,         // 401: no bearer key, or an unknown one
  admin_forbidden,            // 403: the key's role does not allow this
  user_not_found,             // 404: admin API only; sign-in never says
};

// The failure of one request: what the client is told, and the precise
// reason that only the log and the audit table get (for sign-in, where
// every reason gets the same answer).
struct api_failure {
  api_error code = api_error::internal;
  std::string detail;  // for the client; empty: the code's own sentence
  std::string reason;  // for the log; empty: the code's name
  std::string member;  // the JSON member at fault, when there is one
  std::optional<std::chrono::seconds> retry_after;  // for rate_limited

  api_failure() = default;
  api_failure(api_error c) : code(c) {}  // NOLINT: errors convert
  api_failure(api_error c, std::string d) : code(c), detail(std::move(d)) {}
};

template <class T>
using api_result = boost::system::result<T, api_failure>;

std::string_view name_of(api_error e) noexcept;
http::status status_of(api_error e) noexcept;

// Every api_error value, in declaration order: for checks that each code
// is documented and tested.
std::vector<api_error> all_api_errors();

// The problem document for a failure, with `reason` as an extension
// member when it is to be shown (registration refusals) and Retry-After
// for rate limits.
response problem_for(const api_failure& failure, unsigned version,
                     bool show_reason);

// A JSON answer that may carry secrets or session state: never cached.
response json_answer(http::status status, const nlohmann::json& body,
                     unsigned version);

// 204 with no body, never cached.
response no_content(unsigned version);

// The checks of every state-changing request of the account API (CSRF):
// the body is JSON by its Content-Type, and the Origin header names one of
// the configured origins. A request without Origin is refused: browsers
// send it on every cross-site and every non-GET request.
api_result<void> check_state_change(const request& req, const settings& s);

// The request's Origin when it is one of the configured origins.
std::optional<std::string_view> allowed_origin(const request& req,
                                               const settings& s);

// Adds CORS headers for a request from a configured origin: the
// configured spelling, never a copy of what the request sent.
void add_cors_headers(response& res, const request& req, const settings& s);

// Answers a CORS preflight (OPTIONS): 204 with the methods and headers the
// API accepts for a configured origin, 403 otherwise.
response preflight_answer(const request& req, const settings& s,
                          std::string_view methods);

// The body as a JSON object, at most 16 levels deep and without repeated
// member names; `allowed` lists the members it may have (others are
// member_unknown). Fails with body_not_json or body_not_object.
api_result<nlohmann::json> json_object_body(
    const request& req, std::initializer_list<std::string_view> allowed);

// A member of `object`: a string of at most `max` bytes, required or not.
api_result<std::string> string_member(const nlohmann::json& object,
                                      std::string_view name, std::size_t max);
api_result<std::optional<std::string>> optional_string_member(
    const nlohmann::json& object, std::string_view name, std::size_t max);
// An object member; null when absent and not `required`.
api_result<const nlohmann::json*> object_member(const nlohmann::json& object,
                                                std::string_view name,
                                                bool required);

// Cookies. The names carry the __Host- prefix whenever cookies are
// Secure, which pins them to this host and path /.
std::string cookie_name(std::string_view base, const settings& s);
std::optional<std::string> read_cookie(const request& req,
                                       std::string_view name);
// A Set-Cookie value: HttpOnly, SameSite=Strict, Path=/, Secure when the
// settings say so; a zero lifetime deletes the cookie.
std::string set_cookie(std::string_view name, std::string_view value,
                       std::chrono::seconds lifetime, const settings& s);

}  // namespace server
