#include "server/account_routes.hpp"

#include "common/encoding.hpp"
#include "server/account_support.hpp"
#include "server/api.hpp"
#include "server/ceremonies.hpp"
#include "server/factor_routes.hpp"
#include "server/net.hpp"
#include "server/password_routes.hpp"
#include "server/usernames.hpp"
#include "server/webauthn_flows.hpp"

#include <nlohmann/json.hpp>

namespace server {
namespace {

using nlohmann::json;
using storage::ceremony_kind;

class account_api : public account_base {
 public:
  using account_base::account_base;

  // One per route of kRoutes below.
  api_result<response> signup_options(const request&, request_context&);
  api_result<response> signup_result(const request&, request_context&);
  api_result<response> signin_options(const request&, request_context&);
  api_result<response> signin_result(const request&, request_context&);
  api_result<response> reauth_options(const request&, request_context&);
  api_result<response> reauth_result(const request&, request_context&);
  api_result<response> me(const request&, request_context&);
  api_result<response> signout(const request&, request_context&);
  api_result<response> list_keys(const request&, request_context&);
  api_result<response> add_key_options(const request&, request_context&);
  api_result<response> add_key_result(const request&, request_context&);
  api_result<response> rename_key(const request&, request_context&);
  api_result<response> remove_key(const request&, request_context&);

 private:
  api_result<response> finish_signed_in(
      const request& req, request_context& ctx, const signed_in& in,
      const std::optional<active_session>& replaced, http::status status);
};

api_result<response> account_api::signup_options(const request& req,
                                                 request_context& ctx) {
  auto body = json_object_body(req, {"username", "displayName"});
  if (!body)
    return body.error();
  auto name = string_member(*body, "username", 256);
  if (!name)
    return name.error();
  auto display = string_member(*body, "displayName", 1024);
  if (!display)
    return display.error();
  auto username = normalize_username(*name);
  if (!username)
    return username.error();
  auto display_name = check_display_name(*display);
  if (!display_name)
    return display_name.error();
  const auto current = s_.sessions.current(req, s_.clock.now());
  if (!current) {
    if (auto limited = limit_ceremony_start(ctx); !limited)
      return limited.error();
  }
  // Sign-up has to say a name is taken; the per-address limit keeps that
  // from becoming a cheap way to list accounts.
  if (s_.store.find_user_by_name(*username))
    return api_failure(api_error::username_taken);

  registration_begin begin;
  begin.kind = ceremony_kind::sign_up;
  begin.session_hash = session_hash_of(current);
  begin.entity = {{}, *username, *display_name};
  begin.uv = s_.config.uv;
  begin.attestation = s_.config.conveyance;
  begin.extra_context = {{"username", *username},
                         {"displayName", *display_name}};
  auto started = begin_registration(s_, s_.store, begin);
  if (!started)
    return started.error();
  return answer_ceremony(*started, req);
}

api_result<response> account_api::signup_result(const request& req,
                                                request_context& ctx) {
  auto post = read_ceremony_post(req);
  if (!post)
    return post.error();
  const auto current = s_.sessions.current(req, s_.clock.now());
  auto ceremony = take_ceremony(req, *post, ceremony_kind::sign_up, current);
  if (!ceremony)
    return ceremony.error();
  auto verified =
      verify_new_credential(s_, s_.store, *ceremony, *post->credential,
                            webauthn::credential_json_form::browser);
  if (!verified) {
    audit(std::nullopt, "sign_up", "refused", ctx,
          {{"reason", verified.error().reason}});
    return verified.error();
  }
  const json context = ceremony_context(*ceremony);
  const auto handle_bytes =
      common::base64url_decode(context.value("handle", std::string()));
  if (!handle_bytes)
    return api_failure(api_error::internal);
  const auto now = s_.clock.now();
  auto user = s_.store.create_user(
      {*handle_bytes, context.value("username", std::string()),
       context.value("displayName", std::string()), std::nullopt},
      now);
  if (!user) {
    return api_failure(user.error() == storage::errc::already_exists
                           ? api_error::username_taken
                           : api_error::internal);
  }
  if (auto added =
          s_.store.add_credential(credential_row(*verified, user->id, now));
      !added) {
    // No account without its first credential.
    (void)s_.store.delete_user(user->id);
    return api_failure(added.error() == storage::errc::already_exists
                           ? api_error::credential_already_registered
                           : api_error::internal);
  }
  audit(user->id, "sign_up", "ok", ctx,
        {{"format", verified->format}, {"uv", verified->user_verified}});
  signed_in in{*user, credential_row(*verified, user->id, now), {}};
  in.result.user_verified = verified->user_verified;
  return finish_signed_in(req, ctx, in, current, http::status::created);
}

api_result<response> account_api::signin_options(const request& req,
                                                 request_context& ctx) {
  auto body = json_object_body(req, {"username"});
  if (!body)
    return body.error();
  auto name = optional_string_member(*body, "username", 256);
  if (!name)
    return name.error();
  sign_in_begin begin;
  if (*name && !(*name)->empty()) {
    auto username = normalize_username(**name);
    if (!username)
      return username.error();
    begin.username = *username;
  }
  const auto current = s_.sessions.current(req, s_.clock.now());
  if (!current) {
    if (auto limited = limit_ceremony_start(ctx); !limited)
      return limited.error();
  }
  begin.kind = ceremony_kind::sign_in;
  begin.session_hash = session_hash_of(current);
  begin.uv = s_.config.uv;
  // Half way through a sign-in, the key must be that user's.
  if (current && current->state.kind == session_kind::partial) {
    begin.known_user = current->row.user;
    begin.username.reset();
  }
  auto started = begin_sign_in(s_, s_.store, begin);
  if (!started)
    return started.error();
  return answer_ceremony(*started, req);
}

api_result<response> account_api::finish_signed_in(
    const request& req, request_context& ctx, const signed_in& in,
    const std::optional<active_session>& replaced, http::status status) {
  const auto now = s_.clock.now();
  const auto level = assurance_of(in);
  session_state state;
  state.methods.push_back({"passkey", in.result.user_verified, now});
  if (in.result.user_verified)
    state.strong_at = now;
  auto cookie =
      s_.sessions.start(in.user.id, level, state, req, ctx.remote_address, now,
                        replaced ? &*replaced : nullptr);
  if (!cookie)
    return cookie.error();
  json notices = json::array();
  if (auto all = s_.store.list_credentials(in.user.id)) {
    for (const auto& c : *all) {
      if (c.suspended || c.possibly_cloned)
        notices.push_back({{"credential", credential_json(c)}});
    }
  }
  const auto expires =
      now + std::chrono::duration_cast<common::time_point::duration>(
                s_.config.session_lifetime);
  auto res = json_answer(status,
                         {{"user", user_json(in.user)},
                          {"session", session_json(state, level, now, expires)},
                          {"notices", notices}},
                         req.version());
  res.insert(http::field::set_cookie, *cookie);
  res.insert(http::field::set_cookie, clear_ceremony_cookie(s_.config));
  return res;
}

api_result<response> account_api::signin_result(const request& req,
                                                request_context& ctx) {
  auto post = read_ceremony_post(req);
  if (!post)
    return post.error();
  const auto current = s_.sessions.current(req, s_.clock.now());
  const auto parsed = webauthn::parse_authentication_response(
      *post->credential, webauthn::credential_json_form::browser);
  auto held = hold_sign_in(req, *post, ceremony_kind::sign_in, current, parsed);
  if (!held)
    return held.error();
  started_session started;
  auto in =
      finish_sign_in(s_, s_.store, *held, parsed, ctx.remote_address,
                     session_writer(req, ctx, current, "sign_in", started));
  if (!in) {
    audit(held->ceremony.user, "sign_in", "refused", ctx,
          {{"method", "passkey"}, {"reason", in.error().reason}});
    return in.error();
  }
  return answer_signed_in(req, *in, started, http::status::ok);
}

api_result<response> account_api::reauth_options(const request& req,
                                                 request_context&) {
  auto body = json_object_body(req, {});
  if (!body)
    return body.error();
  auto session = require_session(req);
  if (!session)
    return session.error();
  sign_in_begin begin;
  begin.kind = ceremony_kind::step_up;
  begin.session_hash = session->row.token_hash;
  begin.known_user = session->row.user;
  // Step-up must prove the person, not only the device.
  begin.uv = webauthn::user_verification::required;
  auto started = begin_sign_in(s_, s_.store, begin);
  if (!started)
    return started.error();
  return answer_ceremony(*started, req);
}

api_result<response> account_api::reauth_result(const request& req,
                                                request_context& ctx) {
  auto post = read_ceremony_post(req);
  if (!post)
    return post.error();
  auto session = require_session(req);
  if (!session)
    return session.error();
  const std::optional<active_session> replaced = *session;
  const auto parsed = webauthn::parse_authentication_response(
      *post->credential, webauthn::credential_json_form::browser);
  auto held =
      hold_sign_in(req, *post, ceremony_kind::step_up, replaced, parsed);
  if (!held)
    return held.error();
  started_session started;
  auto in =
      finish_sign_in(s_, s_.store, *held, parsed, ctx.remote_address,
                     session_writer(req, ctx, replaced, "step_up", started));
  if (!in) {
    audit(session->row.user, "step_up", "refused", ctx,
          {{"reason", in.error().reason}});
    return in.error();
  }
  return answer_signed_in(req, *in, started, http::status::ok);
}

api_result<response> account_api::me(const request& req, request_context&) {
  // Any session: a page half way through signing in asks what comes next.
  auto session = require_any_session(req);
  if (!session)
    return session.error();
  auto user = s_.store.find_user(session->row.user);
  if (!user)
    return api_failure(api_error::not_signed_in);
  auto credentials = s_.store.list_credentials(user->id);
  const auto totp = s_.store.find_totp(user->id);
  const auto codes = s_.store.count_unused_recovery_codes(user->id);
  if (!credentials || !totp || !codes)
    return api_failure(api_error::internal);
  json body = {{"user", user_json(*user)},
               {"session",
                session_json(session->state, session->assurance(),
                             session->row.created_at, session->row.expires_at)},
               {"factors",
                {{"credentials", credentials->size()},
                 {"password", user->password_hash.has_value()},
                 {"totp", totp->confirmed.has_value()},
                 {"recoveryCodes", *codes}}},
               {"settings",
                {{"phishingResistantOnly",
                  user_policy(*user).value("phishingResistantOnly", false)}}}};
  if (session->state.kind == session_kind::partial)
    body["next"] = next_factors(*user);
  if (session->state.kind == session_kind::enrollment)
    body["next"] = json::array({"enroll"});
  return json_answer(http::status::ok, body, req.version());
}

api_result<response> account_api::signout(const request& req,
                                          request_context& ctx) {
  // No body is needed; one that is sent is held to the rules of the rest.
  if (!req.body().empty()) {
    if (auto body = json_object_body(req, {}); !body)
      return body.error();
  }
  if (auto session = s_.sessions.current(req, s_.clock.now())) {
    s_.sessions.end(*session);
    audit(session->row.user, "sign_out", "ok", ctx);
  }
  auto res = no_content(req.version());
  res.set(http::field::set_cookie, s_.sessions.clearing_cookie());
  return res;
}

api_result<response> account_api::list_keys(const request& req,
                                            request_context&) {
  auto session = require_session(req);
  if (!session)
    return session.error();
  auto credentials = s_.store.list_credentials(session->row.user);
  if (!credentials)
    return api_failure(api_error::internal);
  json list = json::array();
  for (const auto& c : *credentials)
    list.push_back(credential_json(c));
  return json_answer(http::status::ok, {{"credentials", list}}, req.version());
}

api_result<response> account_api::add_key_options(const request& req,
                                                  request_context&) {
  auto body = json_object_body(req, {});
  if (!body)
    return body.error();
  auto session = require_enrolling(req);
  if (!session)
    return session.error();
  auto user = s_.store.find_user(session->row.user);
  auto credentials = s_.store.list_credentials(session->row.user);
  if (!user || !credentials)
    return api_failure(api_error::internal);
  registration_begin begin;
  begin.kind = ceremony_kind::add_credential;
  begin.user = user->id;
  begin.session_hash = session->row.token_hash;
  begin.entity = {user->handle, user->username, user->display_name};
  begin.exclude = descriptors_of(*credentials);
  begin.resident_key = webauthn::resident_key_requirement::preferred;
  begin.uv = s_.config.uv;
  begin.attestation = s_.config.conveyance;
  auto started = begin_registration(s_, s_.store, begin);
  if (!started)
    return started.error();
  return answer_ceremony(*started, req);
}

api_result<response> account_api::add_key_result(const request& req,
                                                 request_context& ctx) {
  auto post = read_ceremony_post(req);
  if (!post)
    return post.error();
  // The options checked the session's right to add a key; the ceremony
  // binds the result to that very session.
  auto session = require_any_session(req);
  if (!session)
    return session.error();
  const std::optional<active_session> current = *session;
  auto ceremony =
      take_ceremony(req, *post, ceremony_kind::add_credential, current);
  if (!ceremony)
    return ceremony.error();
  auto verified =
      verify_new_credential(s_, s_.store, *ceremony, *post->credential,
                            webauthn::credential_json_form::browser);
  if (!verified) {
    audit(session->row.user, "credential_added", "refused", ctx,
          {{"reason", verified.error().reason}});
    return verified.error();
  }
  const auto row = credential_row(*verified, session->row.user, s_.clock.now());
  if (auto added = s_.store.add_credential(row); !added) {
    return api_failure(added.error() == storage::errc::already_exists
                           ? api_error::credential_already_registered
                           : api_error::internal);
  }
  audit(session->row.user, "credential_added", "ok", ctx,
        {{"credential", common::base64url_encode(row.id)},
         {"format", row.attestation_format}});
  if (session->state.kind == session_kind::enrollment) {
    auto res = finish_enrollment(req, ctx, *session, "passkey",
                                 verified->user_verified,
                                 {{"credential", credential_json(row)}});
    if (res)
      res->insert(http::field::set_cookie, clear_ceremony_cookie(s_.config));
    return res;
  }
  auto res = json_answer(http::status::created,
                         {{"credential", credential_json(row)}}, req.version());
  res.set(http::field::set_cookie, clear_ceremony_cookie(s_.config));
  return res;
}

// The credential id at the end of the target, decoded.
api_result<common::bytes> credential_in_path(const request& req) {
  const std::string_view path = target_path(req.target());
  const auto id = common::base64url_decode(path.substr(path.rfind('/') + 1));
  if (!id || id->empty())
    return api_failure(api_error::credential_not_found);
  return std::move(*id);
}

api_result<response> account_api::rename_key(const request& req,
                                             request_context& ctx) {
  auto body = json_object_body(req, {"nickname"});
  if (!body)
    return body.error();
  auto nickname = string_member(*body, "nickname", 1024);
  if (!nickname)
    return nickname.error();
  auto checked = check_display_name(*nickname);
  if (!checked) {
    api_failure bad(api_error::member_invalid,
                    "A nickname is 1 to 64 characters, without control "
                    "characters.");
    bad.member = "nickname";
    return bad;
  }
  auto session = require_session(req);
  if (!session)
    return session.error();
  auto id = credential_in_path(req);
  if (!id)
    return id.error();
  if (!s_.store.rename_credential(session->row.user, *id, *checked))
    return api_failure(api_error::credential_not_found);
  audit(session->row.user, "credential_renamed", "ok", ctx,
        {{"credential", common::base64url_encode(*id)}});
  auto found = s_.store.find_credential(*id);
  if (!found)
    return api_failure(api_error::credential_not_found);
  return json_answer(http::status::ok,
                     {{"credential", credential_json(*found)}}, req.version());
}

api_result<response> account_api::remove_key(const request& req,
                                             request_context& ctx) {
  auto session = require_session(req);
  if (!session)
    return session.error();
  auto id = credential_in_path(req);
  if (!id)
    return id.error();
  if (auto recent = require_recent_strong(*session); !recent)
    return recent.error();
  auto user = s_.store.find_user(session->row.user);
  auto credentials = s_.store.list_credentials(session->row.user);
  if (!user || !credentials)
    return api_failure(api_error::internal);
  const bool owned =
      std::any_of(credentials->begin(), credentials->end(),
                  [&](const storage::credential& c) { return c.id == *id; });
  if (!owned)
    return api_failure(api_error::credential_not_found);
  if (credentials->size() == 1 && !user->password_hash)
    return api_failure(api_error::last_credential);
  // Under the default policy a password never stands alone.
  const auto totp = s_.store.find_totp(user->id);
  if (credentials->size() == 1 && !s_.config.insecure_single_factor &&
      !(totp && totp->confirmed))
    return api_failure(api_error::last_second_factor);
  if (!s_.store.remove_credential(session->row.user, *id))
    return api_failure(api_error::credential_not_found);
  // A factor removed ends every other session of the user.
  (void)s_.store.delete_sessions(session->row.user, session->row.token_hash);
  audit(session->row.user, "credential_removed", "ok", ctx,
        {{"credential", common::base64url_encode(*id)}});
  return no_content(req.version());
}

using route = api_route<account_api>;

const route kRoutes[] = {
    {http::verb::post, "/signup/options", "signup_options", true, false,
     &account_api::signup_options},
    {http::verb::post, "/signup/result", "signup_result", true, false,
     &account_api::signup_result},
    {http::verb::post, "/signin/options", "signin_options", true, false,
     &account_api::signin_options},
    {http::verb::post, "/signin/result", "signin_result", true, false,
     &account_api::signin_result},
    {http::verb::post, "/reauth/options", "reauth_options", true, false,
     &account_api::reauth_options},
    {http::verb::post, "/reauth/result", "reauth_result", true, false,
     &account_api::reauth_result},
    {http::verb::get, "/me", "me", false, false, &account_api::me},
    {http::verb::post, "/signout", "signout", true, false,
     &account_api::signout},
    {http::verb::get, "/credentials", "list_credentials", false, false,
     &account_api::list_keys},
    {http::verb::post, "/credentials/options", "add_credential_options", true,
     false, &account_api::add_key_options},
    {http::verb::post, "/credentials/result", "add_credential_result", true,
     false, &account_api::add_key_result},
    {http::verb::patch, "/credentials/{id}", "rename_credential", true, false,
     &account_api::rename_key},
    {http::verb::delete_, "/credentials/{id}", "remove_credential", true, false,
     &account_api::remove_key},
};

}  // namespace

void add_account_routes(router& routes, services& s) {
  add_api_routes<account_api>(routes, std::make_shared<account_api>(s),
                              kRoutes);
}

std::vector<route_entry> account_route_list() {
  auto out = route_entries<account_api>(kRoutes);
  for (auto more : {password_route_list(), factor_route_list()})
    out.insert(out.end(), more.begin(), more.end());
  return out;
}

}  // namespace server
