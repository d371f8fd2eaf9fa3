#include "server/conformance_routes.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "server/api.hpp"
#include "server/net.hpp"
#include "server/webauthn_flows.hpp"
#include "webauthn/utf8.hpp"

#include <nlohmann/json.hpp>

namespace server {
namespace {

using nlohmann::json;
using storage::ceremony_kind;

constexpr std::string_view kCookie = "latchkey-conformance";
constexpr std::size_t kNameMax = 256;

response ok_answer(json body, unsigned version) {
  body["status"] = "ok";
  body["errorMessage"] = "";
  return json_answer(http::status::ok, body, version);
}

response failed_answer(const api_failure& failure, unsigned version) {
  std::string message = failure.detail;
  if (message.empty())
    message = std::string(name_of(failure.code));
  if (!failure.reason.empty())
    message += " (" + failure.reason + ")";
  return json_answer(http::status::bad_request,
                     {{"status", "failed"}, {"errorMessage", message}},
                     version);
}

api_result<json> body_object(const request& req) {
  const auto parsed = nlohmann::json::parse(req.body(), nullptr, false);
  if (parsed.is_discarded())
    return api_failure(api_error::body_not_json);
  if (!parsed.is_object())
    return api_failure(api_error::body_not_object);
  return api_result<json>(boost::system::in_place_value, parsed);
}

// A name the conformance tool chose: any text, within bounds.
api_result<std::string> name_member(const json& body, const char* name,
                                    bool allow_empty) {
  auto text = string_member(body, name, kNameMax);
  if (!text)
    return text.error();
  const bool utf8 =
      webauthn::utf8_valid_prefix(common::as_bytes(*text)) == text->size();
  if ((!allow_empty && text->empty()) || !utf8) {
    return api_failure(api_error::member_invalid,
                       std::string(name) + " must be non-empty UTF-8");
  }
  return std::move(*text);
}

template <class Enum>
api_result<std::optional<Enum>> word_member(
    const json& object, const char* name,
    std::initializer_list<std::pair<std::string_view, Enum>> words) {
  auto text = optional_string_member(object, name, 64);
  if (!text)
    return text.error();
  if (!*text || (*text)->empty())
    return std::optional<Enum>();
  for (const auto& [word, value] : words) {
    if (word == **text)
      return std::optional<Enum>(value);
  }
  return api_failure(api_error::member_invalid,
                     std::string(name) + " has an unknown value");
}

class conformance_api : public std::enable_shared_from_this<conformance_api> {
 public:
  explicit conformance_api(services& s) : s_(s), store_(*s.conformance_store) {}

  void add_to(router& routes);

 private:
  using member = api_result<response> (conformance_api::*)(const request&,
                                                           request_context&);

  api_result<response> attestation_options(const request&, request_context&);
  api_result<response> attestation_result(const request&, request_context&);
  api_result<response> assertion_options(const request&, request_context&);
  api_result<response> assertion_result(const request&, request_context&);

  api_result<void> limit(const request_context& ctx);
  std::optional<std::string> handle_of(const request& req) const;
  response with_cookie(response res, const std::string& handle) const;

  services& s_;
  storage::store& store_;
};

api_result<void> conformance_api::limit(const request_context& ctx) {
  if (s_.config.insecure_disable_address_limits)
    return {};
  const auto window = std::chrono::seconds(60);
  const auto counted =
      store_.record_failure("ceremony-start:" + address_key(ctx.remote_address),
                            s_.clock.now(), window);
  if (counted && counted->failures <= s_.config.ceremonies_per_minute)
    return {};
  return api_failure(api_error::rate_limited);
}

response conformance_api::with_cookie(response res,
                                      const std::string& handle) const {
  res.set(http::field::set_cookie,
          set_cookie(cookie_name(kCookie, s_.config), handle,
                     std::chrono::duration_cast<std::chrono::seconds>(
                         s_.config.ceremony_timeout),
                     s_.config));
  return res;
}

// The ceremony's handle, from the cookie the options set.
std::optional<std::string> conformance_api::handle_of(
    const request& req) const {
  return read_cookie(req, cookie_name(kCookie, s_.config));
}

api_result<response> conformance_api::attestation_options(
    const request& req, request_context& ctx) {
  auto body = body_object(req);
  if (!body)
    return body.error();
  auto username = name_member(*body, "username", false);
  if (!username)
    return username.error();
  auto display = name_member(*body, "displayName", true);
  if (!display)
    return display.error();
  registration_begin begin;
  begin.kind = ceremony_kind::conformance_registration;
  begin.uv = s_.config.uv;
  begin.resident_key = webauthn::resident_key_requirement::preferred;
  auto selection = object_member(*body, "authenticatorSelection", false);
  if (!selection)
    return selection.error();
  if (*selection != nullptr) {
    using webauthn::resident_key_requirement;
    using webauthn::user_verification;
    auto rk = word_member<resident_key_requirement>(
        **selection, "residentKey",
        {{"required", resident_key_requirement::required},
         {"preferred", resident_key_requirement::preferred},
         {"discouraged", resident_key_requirement::discouraged}});
    auto uv = word_member<user_verification>(
        **selection, "userVerification",
        {{"required", user_verification::required},
         {"preferred", user_verification::preferred},
         {"discouraged", user_verification::discouraged}});
    auto attachment = word_member<webauthn::authenticator_attachment>(
        **selection, "authenticatorAttachment",
        {{"platform", webauthn::authenticator_attachment::platform},
         {"cross-platform",
          webauthn::authenticator_attachment::cross_platform}});
    if (!rk || !uv || !attachment)
      return !rk ? rk.error() : !uv ? uv.error() : attachment.error();
    const auto require_rk = (*selection)->find("requireResidentKey");
    if (*rk)
      begin.resident_key = **rk;
    else if (require_rk != (*selection)->end() && require_rk->is_boolean() &&
             require_rk->get<bool>())
      begin.resident_key = resident_key_requirement::required;
    if (*uv)
      begin.uv = **uv;
    begin.attachment = *attachment;
  }
  auto conveyance = word_member<webauthn::attestation_conveyance>(
      *body, "attestation",
      {{"none", webauthn::attestation_conveyance::none},
       {"indirect", webauthn::attestation_conveyance::indirect},
       {"direct", webauthn::attestation_conveyance::direct},
       {"enterprise", webauthn::attestation_conveyance::enterprise}});
  if (!conveyance)
    return conveyance.error();
  begin.attestation = conveyance->value_or(s_.config.conveyance);
  if (auto limited = limit(ctx); !limited)
    return limited.error();

  begin.entity = {{}, *username, *display};
  if (auto existing = store_.find_user_by_name(*username)) {
    begin.user = existing->id;
    begin.entity.handle = existing->handle;
    if (auto credentials = store_.list_credentials(existing->id))
      begin.exclude = descriptors_of(*credentials);
  }
  begin.extra_context = {{"username", *username}, {"displayName", *display}};
  auto started = begin_registration(s_, store_, begin);
  if (!started)
    return started.error();
  return with_cookie(ok_answer(started->options, req.version()),
                     started->handle);
}

api_result<response> conformance_api::attestation_result(const request& req,
                                                         request_context&) {
  auto body = body_object(req);
  if (!body)
    return body.error();
  auto ceremony = finish_ceremony(store_, handle_of(req),
                                  ceremony_kind::conformance_registration, {},
                                  s_.clock.now());
  if (!ceremony)
    return ceremony.error();
  auto verified =
      verify_new_credential(s_, store_, *ceremony, *body,
                            webauthn::credential_json_form::conformance);
  if (!verified)
    return verified.error();
  const json context = ceremony_context(*ceremony);
  const auto now = s_.clock.now();
  storage::user_id owner = 0;
  if (ceremony->user) {
    owner = *ceremony->user;
  } else {
    const auto handle =
        common::base64url_decode(context.value("handle", std::string()));
    if (!handle)
      return api_failure(api_error::internal);
    auto user = store_.create_user(
        {*handle, context.value("username", std::string()),
         context.value("displayName", std::string()), std::nullopt},
        now);
    if (!user)
      return api_failure(api_error::username_taken);
    owner = user->id;
  }
  if (auto added = store_.add_credential(credential_row(*verified, owner, now));
      !added) {
    return api_failure(added.error() == storage::errc::already_exists
                           ? api_error::credential_already_registered
                           : api_error::internal);
  }
  return ok_answer(json::object(), req.version());
}

api_result<response> conformance_api::assertion_options(const request& req,
                                                        request_context& ctx) {
  auto body = body_object(req);
  if (!body)
    return body.error();
  auto username = optional_string_member(*body, "username", kNameMax);
  if (!username)
    return username.error();
  using webauthn::user_verification;
  auto uv = word_member<user_verification>(
      *body, "userVerification",
      {{"required", user_verification::required},
       {"preferred", user_verification::preferred},
       {"discouraged", user_verification::discouraged}});
  if (!uv)
    return uv.error();
  if (auto limited = limit(ctx); !limited)
    return limited.error();
  sign_in_begin begin;
  begin.kind = ceremony_kind::conformance_authentication;
  if (*username && !(*username)->empty())
    begin.username = **username;
  begin.uv = uv->value_or(s_.config.uv);
  // The conformance tests expect an unknown name to be refused.
  begin.refuse_unknown = true;
  auto started = begin_sign_in(s_, store_, begin);
  if (!started)
    return started.error();
  return with_cookie(ok_answer(started->options, req.version()),
                     started->handle);
}

api_result<response> conformance_api::assertion_result(const request& req,
                                                       request_context& ctx) {
  auto body = body_object(req);
  if (!body)
    return body.error();
  // The body is the credential: read from its text, which also refuses a
  // member named twice (the parsed object would have kept one of them).
  const auto parsed = webauthn::parse_authentication_response(
      std::string_view(req.body()),
      webauthn::credential_json_form::conformance);
  auto held = hold_sign_in(store_, handle_of(req),
                           ceremony_kind::conformance_authentication, {},
                           s_.clock.now(), credential_id_of(parsed));
  if (!held)
    return held.error();
  auto in =
      finish_sign_in(s_, store_, *held, parsed, ctx.remote_address, nullptr);
  if (!in)
    return in.error();
  return ok_answer(json::object(), req.version());
}

void conformance_api::add_to(router& routes) {
  const std::pair<std::string_view, member> kRoutes[] = {
      {"/attestation/options", &conformance_api::attestation_options},
      {"/attestation/result", &conformance_api::attestation_result},
      {"/assertion/options", &conformance_api::assertion_options},
      {"/assertion/result", &conformance_api::assertion_result},
  };
  for (const auto& [path, f] : kRoutes) {
    routes.add(http::verb::post, std::string(path),
               [self = shared_from_this(), name = std::string(path), f](
                   const request& req, request_context& ctx) {
                 auto answer = ((*self).*f)(req, ctx);
                 if (answer)
                   return std::move(*answer);
                 self->s_.log.info(
                     "conformance_refused",
                     {{"id", ctx.request_id},
                      {"route", name},
                      {"code", std::string(name_of(answer.error().code))},
                      {"reason", answer.error().reason}});
                 return failed_answer(answer.error(), req.version());
               });
  }
}

}  // namespace

void add_conformance_routes(router& routes, services& s) {
  std::make_shared<conformance_api>(s)->add_to(routes);
}

std::vector<route_entry> conformance_route_list() {
  // The paths of conformance_api::add_to; the OpenAPI test starts a server
  // and checks that each of them answers.
  std::vector<route_entry> out;
  for (const char* path : {"/attestation/options", "/attestation/result",
                           "/assertion/options", "/assertion/result"}) {
    out.push_back({"POST", path});
  }
  return out;
}

}  // namespace server
