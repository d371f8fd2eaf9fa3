#include "server/api.hpp"

#include "webauthn/json_text.hpp"

#include <algorithm>
#include <array>

namespace server {
namespace {

struct error_info {
  std::string_view name;
  http::status status;
  std::string_view detail;
};

// One row per api_error, in its order: the only place statuses are chosen.
constexpr std::array<error_info, 41> kErrors = {{
    {"content_type_not_json", http::status::unsupported_media_type,
     "The request body must be JSON (Content-Type: application/json)."},
    {"origin_not_allowed", http::status::forbidden,
     "The request's Origin is not one this server serves."},
    {"body_not_json", http::status::bad_request,
     "The request body is not well-formed JSON."},
    {"body_not_object", http::status::bad_request,
     "The request body must be a JSON object."},
    {"member_missing", http::status::bad_request,
     "A required member is missing."},
    {"member_wrong_type", http::status::bad_request,
     "A member has the wrong type."},
    {"member_unknown", http::status::bad_request,
     "The body has a member this route does not take."},
    {"member_invalid", http::status::bad_request,
     "A member has a value this route does not accept."},
    {"username_invalid", http::status::bad_request,
     "A username is 1 to 64 characters: letters, digits and . _ @ + -."},
    {"display_name_invalid", http::status::bad_request,
     "A display name is 1 to 64 characters, without control characters."},
    {"username_taken", http::status::conflict, "That username is taken."},
    {"ceremony_missing", http::status::bad_request,
     "No ceremony: start with the matching options request."},
    {"ceremony_unknown", http::status::bad_request,
     "This ceremony is not known: finished already, or never started."},
    {"ceremony_expired", http::status::bad_request,
     "This ceremony has expired; start again."},
    {"ceremony_purpose_mismatch", http::status::bad_request,
     "This ceremony was started for another purpose."},
    {"ceremony_session_mismatch", http::status::bad_request,
     "This ceremony was started in another session."},
    {"ceremony_user_mismatch", http::status::bad_request,
     "This ceremony was started for another user."},
    {"credential_malformed", http::status::bad_request,
     "The credential is not a well-formed WebAuthn response."},
    {"registration_refused", http::status::bad_request,
     "The new credential was refused."},
    {"credential_already_registered", http::status::conflict,
     "This credential is registered already."},
    {"sign_in_failed", http::status::unauthorized, "Sign-in failed."},
    {"credential_suspended", http::status::forbidden,
     "This credential is suspended."},
    {"not_signed_in", http::status::unauthorized, "Sign in first."},
    {"reauthentication_required", http::status::forbidden,
     "Confirm it is you: sign in again with a security key or passkey."},
    {"credential_not_found", http::status::not_found,
     "No such credential on this account."},
    {"last_credential", http::status::conflict,
     "This is the account's last way to sign in; add another first."},
    {"rate_limited", http::status::too_many_requests,
     "Too many attempts; try again later."},
    {"service_unavailable", http::status::service_unavailable,
     "The server is busy; try again."},
    {"internal", http::status::internal_server_error,
     "The server could not complete the request."},
    {"password_too_short", http::status::bad_request,
     "The password is too short."},
    {"password_too_long", http::status::bad_request,
     "The password is too long."},
    {"password_breached", http::status::bad_request,
     "This password is known from breaches or too common; choose another."},
    {"password_mismatch", http::status::forbidden,
     "The current password is not right."},
    {"second_factor_required", http::status::forbidden,
     "Finish signing in with a second factor first."},
    {"factor_locked", http::status::too_many_requests,
     "Too many failed attempts: this is locked until an administrator or a "
     "recovery code clears it."},
    {"code_invalid", http::status::bad_request,
     "The code is not right; check the app's clock and try the next one."},
    {"factor_not_enrolled", http::status::conflict,
     "This factor is not set up for the account."},
    {"last_second_factor", http::status::conflict,
     "This is the account's last second factor; add another first."},
    {"admin_unauthorized", http::status::unauthorized,
     "An admin key is needed: Authorization: Bearer KEY."},
    {"admin_forbidden", http::status::forbidden, "This key may not do that."},
    {"user_not_found", http::status::not_found, "No such user."},
}};

const error_info& info(api_error e) noexcept {
  return kErrors[static_cast<std::size_t>(e)];
}

bool is_json_type(std::string_view type) {
  const auto end = type.find(';');
  std::string_view media = type.substr(0, end);
  while (!media.empty() && media.back() == ' ')
    media.remove_suffix(1);
  std::string lower(media);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return lower == "application/json";
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ')
    text.remove_suffix(1);
  return text;
}

}  // namespace

std::string_view name_of(api_error e) noexcept {
  return info(e).name;
}

http::status status_of(api_error e) noexcept {
  return info(e).status;
}

std::vector<api_error> all_api_errors() {
  std::vector<api_error> out;
  for (std::size_t i = 0; i < kErrors.size(); ++i)
    out.push_back(static_cast<api_error>(i));
  return out;
}

response problem_for(const api_failure& failure, unsigned version,
                     bool show_reason) {
  const auto& row = info(failure.code);
  nlohmann::json body = {
      {"type", "urn:latchkey:problem:" + std::string(row.name)},
      {"title", std::string(http::obsolete_reason(row.status))},
      {"status", static_cast<unsigned>(row.status)},
      {"code", row.name},
      {"detail",
       failure.detail.empty() ? std::string(row.detail) : failure.detail},
  };
  if (!failure.member.empty())
    body["member"] = failure.member;
  if (show_reason && !failure.reason.empty())
    body["reason"] = failure.reason;
  response res{row.status, version};
  res.set(http::field::content_type, "application/problem+json");
  res.set(http::field::cache_control, "no-store");
  if (failure.retry_after) {
    res.set(http::field::retry_after, std::to_string(std::max<std::int64_t>(
                                          1, failure.retry_after->count())));
  }
  res.body() =
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.prepare_payload();
  return res;
}

response json_answer(http::status status, const nlohmann::json& body,
                     unsigned version) {
  response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() =
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.prepare_payload();
  return res;
}

response no_content(unsigned version) {
  response res{http::status::no_content, version};
  res.set(http::field::cache_control, "no-store");
  res.prepare_payload();
  return res;
}

std::optional<std::string_view> allowed_origin(const request& req,
                                               const settings& s) {
  const auto origin = req.find(http::field::origin);
  if (origin == req.end())
    return std::nullopt;
  const std::string_view sent = origin->value();
  for (const auto& configured : s.origins) {
    if (configured == sent)
      return std::string_view(configured);
  }
  return std::nullopt;
}

api_result<void> check_state_change(const request& req, const settings& s) {
  const auto type = req.find(http::field::content_type);
  if (type == req.end() || !is_json_type(type->value()))
    return api_failure(api_error::content_type_not_json);
  if (!allowed_origin(req, s))
    return api_failure(api_error::origin_not_allowed);
  return {};
}

void add_cors_headers(response& res, const request& req, const settings& s) {
  const auto origin = allowed_origin(req, s);
  res.set(http::field::vary, "Origin");
  if (!origin)
    return;
  res.set(http::field::access_control_allow_origin, *origin);
  res.set(http::field::access_control_allow_credentials, "true");
}

response preflight_answer(const request& req, const settings& s,
                          std::string_view methods) {
  if (!allowed_origin(req, s)) {
    auto refused =
        problem_for(api_error::origin_not_allowed, req.version(), false);
    refused.set(http::field::vary, "Origin");
    return refused;
  }
  response res{http::status::no_content, req.version()};
  add_cors_headers(res, req, s);
  res.set(http::field::access_control_allow_methods, methods);
  res.set(http::field::access_control_allow_headers, "Content-Type");
  res.set(http::field::access_control_max_age, "600");
  res.prepare_payload();
  return res;
}

api_result<nlohmann::json> json_object_body(
    const request& req, std::initializer_list<std::string_view> allowed) {
  auto parsed =
      webauthn::parse_json_text(req.body(), 16, webauthn::errc::json_malformed);
  if (!parsed)
    return api_failure(api_error::body_not_json);
  if (!parsed->is_object())
    return api_failure(api_error::body_not_object);
  for (const auto& [name, value] : parsed->items()) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      api_failure unknown(
          api_error::member_unknown,
          "This route does not take the member \"" + name + "\".");
      unknown.member = name;
      return unknown;
    }
  }
  return api_result<nlohmann::json>(boost::system::in_place_value,
                                    std::move(*parsed));
}

api_result<std::optional<std::string>> optional_string_member(
    const nlohmann::json& object, std::string_view name, std::size_t max) {
  const auto found = object.find(name);
  if (found == object.end() || found->is_null())
    return std::optional<std::string>();
  api_failure failure(api_error::member_wrong_type,
                      std::string(name) + " must be a string.");
  failure.member = name;
  if (!found->is_string())
    return failure;
  const auto& text = found->get_ref<const std::string&>();
  if (text.size() > max) {
    failure.code = api_error::member_invalid;
    failure.detail = std::string(name) + " is longer than " +
                     std::to_string(max) + " bytes.";
    return failure;
  }
  return std::optional<std::string>(text);
}

api_result<std::string> string_member(const nlohmann::json& object,
                                      std::string_view name, std::size_t max) {
  auto value = optional_string_member(object, name, max);
  if (!value)
    return value.error();
  if (!*value) {
    api_failure missing(api_error::member_missing,
                        std::string(name) + " is required.");
    missing.member = name;
    return missing;
  }
  return std::move(**value);
}

api_result<const nlohmann::json*> object_member(const nlohmann::json& object,
                                                std::string_view name,
                                                bool required) {
  const auto found = object.find(name);
  if (found == object.end() || found->is_null()) {
    if (!required)
      return static_cast<const nlohmann::json*>(nullptr);
    api_failure missing(api_error::member_missing,
                        std::string(name) + " is required.");
    missing.member = name;
    return missing;
  }
  if (!found->is_object()) {
    api_failure wrong(api_error::member_wrong_type,
                      std::string(name) + " must be an object.");
    wrong.member = name;
    return wrong;
  }
  return &*found;
}

std::string cookie_name(std::string_view base, const settings& s) {
  return (s.secure_cookies ? "__Host-" : "") + std::string(base);
}

std::optional<std::string> read_cookie(const request& req,
                                       std::string_view name) {
  const auto [first, last] = req.equal_range(http::field::cookie);
  for (auto field = first; field != last; ++field) {
    std::string_view rest = field->value();
    while (!rest.empty()) {
      const auto semicolon = rest.find(';');
      const auto pair = trim(rest.substr(0, semicolon));
      rest = semicolon == std::string_view::npos ? std::string_view()
                                                 : rest.substr(semicolon + 1);
      const auto equals = pair.find('=');
      if (equals != std::string_view::npos && pair.substr(0, equals) == name)
        return std::string(pair.substr(equals + 1));
    }
  }
  return std::nullopt;
}

std::string set_cookie(std::string_view name, std::string_view value,
                       std::chrono::seconds lifetime, const settings& s) {
  std::string out = std::string(name) + "=" + std::string(value) +
                    "; Path=/; HttpOnly; SameSite=Strict";
  if (s.secure_cookies)
    out += "; Secure";
  out += "; Max-Age=" + std::to_string(lifetime.count());
  return out;
}

}  // namespace server
