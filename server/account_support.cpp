#include "server/account_support.hpp"

#include "common/encoding.hpp"
#include "server/ceremonies.hpp"
#include "server/metrics.hpp"
#include "server/net.hpp"

namespace server {

using nlohmann::json;

// A sign-in proves both factors when the authenticator verified its user;
// a key that cannot leave its hardware (not backup eligible) is AAL3.
assurance_level assurance_of(const signed_in& in) {
  if (!in.result.user_verified)
    return assurance_level::aal1;
  return in.credential.backup_eligible ? assurance_level::aal2
                                       : assurance_level::aal3;
}

json user_json(const storage::user& u) {
  return {{"id", common::base64url_encode(u.handle)},
          {"username", u.username},
          {"displayName", u.display_name},
          {"createdAt", common::format_time(u.created_at)}};
}

json user_policy(const storage::user& user) {
  auto parsed = json::parse(user.policy_state, nullptr, false);
  return parsed.is_object() ? parsed : json::object();
}

void add_user_notice(storage::store& store, const storage::user& user,
                     const json& notice) {
  auto policy = user_policy(user);
  auto& notices = policy["notices"];
  if (!notices.is_array())
    notices = json::array();
  notices.push_back(notice);
  (void)store.set_policy_state(user.id, policy.dump());
}

json session_json(const session_state& state, assurance_level level,
                  common::time_point created, common::time_point expires) {
  json methods = json::array();
  for (const auto& m : state.methods) {
    methods.push_back({{"type", m.type},
                       {"userVerified", m.user_verified},
                       {"at", common::format_time(m.at)}});
  }
  const char* kind = state.kind == session_kind::partial      ? "partial"
                     : state.kind == session_kind::enrollment ? "enrollment"
                                                              : "full";
  return {{"assurance", to_string(level)},
          {"kind", kind},
          {"methods", methods},
          {"createdAt", common::format_time(created)},
          {"expiresAt", common::format_time(expires)}};
}

api_result<ceremony_post> read_ceremony_post(const request& req) {
  auto body = json_object_body(req, {"ceremony", "credential"});
  if (!body)
    return body.error();
  ceremony_post post;
  post.body = std::move(*body);
  auto handle =
      optional_string_member(post.body, "ceremony", kCeremonyHandleMax);
  if (!handle)
    return handle.error();
  post.handle = std::move(*handle);
  auto credential = object_member(post.body, "credential", true);
  if (!credential)
    return credential.error();
  post.credential = *credential;
  return post;
}

response account_base::answer_ceremony(const ceremony_started& started,
                                       const request& req) const {
  auto res = json_answer(
      http::status::ok,
      {{"ceremony", started.handle}, {"publicKey", started.options}},
      req.version());
  res.set(http::field::set_cookie, ceremony_cookie(started.handle, s_.config));
  return res;
}

namespace {

// Step-up and a new key act for the session's user, so their ceremony
// must be that user's. A sign-in may switch accounts: finish_sign_in ends
// the session it replaces. A `held` ceremony refused here is taken.
api_result<void> check_ceremony_user(
    storage::store& store, const storage::ceremony& c,
    const std::optional<active_session>& session, bool held,
    common::time_point now) {
  const bool for_session_user =
      c.kind == storage::ceremony_kind::step_up ||
      c.kind == storage::ceremony_kind::add_credential;
  if (for_session_user && (!session || c.user != session->row.user)) {
    if (held)
      (void)store.take_ceremony(c.handle_hash, now);
    return api_failure(api_error::ceremony_user_mismatch);
  }
  return {};
}

}  // namespace

api_result<storage::ceremony> account_base::take_ceremony(
    const request& req, const ceremony_post& post, storage::ceremony_kind kind,
    const std::optional<active_session>& session) const {
  const auto now = s_.clock.now();
  auto taken =
      finish_ceremony(s_.store, ceremony_handle(req, post.handle, s_.config),
                      kind, session_hash_of(session), now);
  if (!taken)
    return taken.error();
  if (auto checked = check_ceremony_user(s_.store, *taken, session, false, now);
      !checked)
    return checked.error();
  return taken;
}

api_result<held_sign_in> account_base::hold_sign_in(
    const request& req, const ceremony_post& post, storage::ceremony_kind kind,
    const std::optional<active_session>& session,
    const parsed_assertion& parsed) const {
  const auto now = s_.clock.now();
  auto held = server::hold_sign_in(
      s_.store, ceremony_handle(req, post.handle, s_.config), kind,
      session_hash_of(session), now, credential_id_of(parsed));
  if (!held)
    return held.error();
  if (auto checked =
          check_ceremony_user(s_.store, held->ceremony, session, true, now);
      !checked)
    return checked.error();
  return held;
}

response account_base::answer(std::string_view name, bool state_changing,
                              const api_body& body, const request& req,
                              request_context& ctx) {
  const auto started = std::chrono::steady_clock::now();
  api_result<response> answer = api_failure(api_error::internal);
  if (auto checked = state_changing ? check_state_change(req, s_.config)
                                    : api_result<void>();
      !checked) {
    answer = checked.error();
  } else {
    answer = body();
  }
  response res =
      answer
          ? std::move(*answer)
          : problem_for(answer.error(), req.version(),
                        answer.error().code == api_error::registration_refused);
  const std::string code =
      answer ? std::string("ok") : std::string(name_of(answer.error().code));
  if (!answer) {
    const auto& failure = answer.error();
    const std::string reason = failure.reason.empty() ? code : failure.reason;
    s_.log.info("api_refused", {{"id", ctx.request_id},
                                {"route", std::string(name)},
                                {"code", code},
                                {"reason", reason}});
    // Reasons come from the code's fixed vocabulary, never from input.
    if (s_.stats != nullptr) {
      s_.stats->add("latchkey_refusals_total",
                    {{"route", std::string(name)}, {"reason", reason}});
    }
  }
  if (s_.stats != nullptr) {
    s_.stats->add("latchkey_api_requests_total",
                  {{"route", std::string(name)}, {"code", code}});
    s_.stats->observe("latchkey_request_seconds",
                      {{"route", std::string(name)}},
                      std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - started)
                          .count());
  }
  add_cors_headers(res, req, s_.config);
  return res;
}

storage::audit_event account_base::audit_event(
    std::optional<storage::user_id> user, std::string_view event,
    std::string_view outcome, const request_context& ctx,
    const json& detail) const {
  storage::audit_event e;
  e.at = s_.clock.now();
  e.user = user;
  e.event = std::string(event);
  e.outcome = std::string(outcome);
  e.address = ctx.remote_address;
  e.user_agent = ctx.user_agent;
  e.detail = detail.dump();
  return e;
}

void account_base::audit(std::optional<storage::user_id> user,
                         std::string_view event, std::string_view outcome,
                         const request_context& ctx, const json& detail) const {
  (void)s_.store.append_audit(audit_event(user, event, outcome, ctx, detail));
}

sign_in_writer account_base::session_writer(
    const request& req, const request_context& ctx,
    const std::optional<active_session>& replaced, std::string_view event,
    started_session& out) const {
  return [this, &req, &ctx, &replaced, event, &out](const signed_in& in) {
    const auto now = s_.clock.now();
    const bool uv = in.result.user_verified;
    const bool same_user = replaced && replaced->row.user == in.user.id;
    // A step-up adds to the session it strengthens, and a passkey after a
    // password finishes what the password began; otherwise the passkey
    // starts a session of its own.
    if (same_user &&
        (event == "step_up" || replaced->state.kind == session_kind::partial)) {
      out.state = replaced->state;
      out.level = replaced->state.kind == session_kind::partial
                      ? std::max(assurance_level::aal2, assurance_of(in))
                      : std::max(replaced->assurance(), assurance_of(in));
      out.state.kind = session_kind::full;
      out.state.strong_at = now;
    } else {
      out.state = session_state{};
      out.level = assurance_of(in);
      if (uv) {
        out.state.strong_at = now;
      } else if (!s_.config.insecure_single_factor) {
        // A key without user verification is one factor: a password must
        // follow.
        out.state.kind = session_kind::partial;
      }
    }
    out.state.methods.push_back({"passkey", uv, now});
    sign_in_writes writes;
    if (auto made = s_.sessions.prepare(in.user.id, out.level, out.state, req,
                                        ctx.remote_address, now)) {
      writes.session = made->row;
      out.prepared = std::move(*made);
    }
    if (replaced)
      writes.ended_session = replaced->row.token_hash;
    writes.audit = audit_event(in.user.id, event, "ok", ctx,
                               {{"method", "passkey"}, {"uv", uv}});
    return writes;
  };
}

api_result<response> account_base::answer_signed_in(
    const request& req, const signed_in& in, const started_session& started,
    http::status status) const {
  if (!started.prepared)
    return api_failure(api_error::internal);
  const auto& row = started.prepared->row;
  json body = {{"user", user_json(in.user)},
               {"session", session_json(started.state, started.level,
                                        row.created_at, row.expires_at)},
               {"notices", started.state.kind == session_kind::full
                               ? take_notices(in.user)
                               : json::array()}};
  if (started.state.kind == session_kind::partial)
    body["next"] = json::array({"password"});
  auto res = json_answer(status, body, req.version());
  res.insert(http::field::set_cookie, started.prepared->cookie);
  res.insert(http::field::set_cookie, clear_ceremony_cookie(s_.config));
  return res;
}

api_result<response> account_base::answer_new_session(
    const request& req, const request_context& ctx, const storage::user& user,
    const session_state& state, assurance_level level,
    const std::optional<active_session>& replaced, http::status status) const {
  const auto now = s_.clock.now();
  auto made =
      s_.sessions.prepare(user.id, level, state, req, ctx.remote_address, now);
  if (!made)
    return made.error();
  if (!s_.store.put_session(made->row))
    return api_failure(api_error::internal);
  if (replaced)
    (void)s_.store.delete_session(replaced->row.token_hash);
  // Notices wait for a full session: someone who knows only the password
  // learns nothing from them.
  json body = {{"user", user_json(user)},
               {"session", session_json(state, level, made->row.created_at,
                                        made->row.expires_at)},
               {"notices", state.kind == session_kind::full ? take_notices(user)
                                                            : json::array()}};
  if (state.kind == session_kind::partial)
    body["next"] = next_factors(user);
  if (state.kind == session_kind::enrollment)
    body["next"] = json::array({"enroll"});
  auto res = json_answer(status, body, req.version());
  res.insert(http::field::set_cookie, made->cookie);
  return res;
}

bool account_base::has_second_factor(storage::user_id user) const {
  const auto credentials = s_.store.list_credentials(user);
  if (credentials && !credentials->empty())
    return true;
  const auto totp = s_.store.find_totp(user);
  return totp && totp->confirmed.has_value();
}

json account_base::next_factors(const storage::user& user) const {
  json out = json::array();
  const auto credentials = s_.store.list_credentials(user.id);
  const bool has_key = credentials && !credentials->empty();
  if (has_key)
    out.push_back("passkey");
  const auto totp = s_.store.find_totp(user.id);
  const bool phishing_resistant_only =
      has_key && (s_.config.require_phishing_resistant ||
                  user_policy(user).value("phishingResistantOnly", false));
  if (totp && totp->confirmed && !phishing_resistant_only)
    out.push_back("totp");
  if (const auto left = s_.store.count_unused_recovery_codes(user.id);
      left && *left > 0)
    out.push_back("recovery-code");
  return out;
}

json account_base::take_notices(const storage::user& user) const {
  json notices = json::array();
  if (auto all = s_.store.list_credentials(user.id)) {
    for (const auto& c : *all) {
      if (c.suspended || c.possibly_cloned)
        notices.push_back({{"credential", credential_json(c)}});
    }
  }
  auto policy = user_policy(user);
  if (auto kept = policy.find("notices");
      kept != policy.end() && kept->is_array() && !kept->empty()) {
    for (const auto& n : *kept)
      notices.push_back(n);
    policy.erase("notices");
    (void)s_.store.set_policy_state(user.id, policy.dump());
  }
  return notices;
}

api_result<void> account_base::limit_ceremony_start(
    const request_context& ctx) {
  if (s_.config.insecure_disable_address_limits)
    return {};
  const auto window = std::chrono::seconds(60);
  const auto now = s_.clock.now();
  const auto counted = s_.store.record_failure(
      "ceremony-start:" + address_key(ctx.remote_address), now, window);
  if (!counted)
    return api_failure(api_error::internal);
  if (counted->failures <= s_.config.ceremonies_per_minute)
    return {};
  api_failure limited(api_error::rate_limited);
  limited.retry_after = std::chrono::duration_cast<std::chrono::seconds>(
      counted->window_start + window - now);
  limited.reason = "ceremony_starts_per_address";
  return limited;
}

api_result<active_session> account_base::require_session(
    const request& req) const {
  auto session = s_.sessions.current(req, s_.clock.now());
  if (!session)
    return api_failure(api_error::not_signed_in);
  if (session->state.kind != session_kind::full)
    return api_failure(api_error::second_factor_required);
  return std::move(*session);
}

api_result<active_session> account_base::require_enrolling(
    const request& req) const {
  auto session = require_any_session(req);
  if (!session)
    return session.error();
  if (session->state.kind == session_kind::enrollment)
    return session;
  if (session->state.kind != session_kind::full)
    return api_failure(api_error::second_factor_required);
  if (auto recent = require_recent_strong(*session); !recent)
    return recent.error();
  return session;
}

api_result<response> account_base::finish_enrollment(
    const request& req, const request_context& ctx,
    const active_session& session, std::string_view method, bool user_verified,
    json extra) const {
  auto user = s_.store.find_user(session.row.user);
  if (!user)
    return api_failure(api_error::not_signed_in);
  const auto now = s_.clock.now();
  session_state state = session.state;
  state.kind = session_kind::full;
  state.methods.push_back({std::string(method), user_verified, now});
  state.strong_at = now;
  auto made = s_.sessions.prepare(user->id, assurance_level::aal2, state, req,
                                  ctx.remote_address, now);
  if (!made || !s_.store.put_session(made->row))
    return api_failure(api_error::internal);
  (void)s_.store.delete_session(session.row.token_hash);
  extra["session"] = session_json(state, assurance_level::aal2,
                                  made->row.created_at, made->row.expires_at);
  auto res = json_answer(http::status::created, extra, req.version());
  res.insert(http::field::set_cookie, made->cookie);
  return res;
}

api_result<active_session> account_base::require_any_session(
    const request& req) const {
  auto session = s_.sessions.current(req, s_.clock.now());
  if (!session)
    return api_failure(api_error::not_signed_in);
  return std::move(*session);
}

api_result<void> account_base::require_recent_strong(
    const active_session& session) const {
  const auto& strong = session.state.strong_at;
  if (strong && s_.clock.now() - *strong <= s_.config.reauth_window)
    return {};
  return api_failure(api_error::reauthentication_required);
}

json account_base::credential_json(const storage::credential& c) const {
  webauthn::aaguid model{};
  std::copy_n(c.aaguid.begin(), std::min(c.aaguid.size(), model.size()),
              model.begin());
  const auto* entry = s_.metadata.find(model);
  json out = {
      {"id", common::base64url_encode(c.id)},
      {"nickname", c.nickname},
      {"model", entry != nullptr ? json(entry->description) : json(nullptr)},
      {"createdAt", common::format_time(c.created_at)},
      {"lastUsedAt", c.last_used_at ? json(common::format_time(*c.last_used_at))
                                    : json(nullptr)},
      {"backupEligible", c.backup_eligible},
      {"backedUp", c.backup_state},
      {"transports", c.transports},
      {"attestation",
       {{"format", c.attestation_format},
        {"type", c.attestation_type},
        {"trusted", c.attestation_trusted}}},
      {"possiblyCloned", c.possibly_cloned},
      {"suspended", c.suspended},
  };
  if (c.suspended)
    out["suspendedReason"] = c.suspended_reason;
  return out;
}

void add_preflights(router& routes, services& s,
                    const std::map<std::string, std::string>& methods_of) {
  for (const auto& [path, methods] : methods_of) {
    auto preflight = [&s, methods = methods](const request& req,
                                             request_context&) {
      return preflight_answer(req, s.config, methods);
    };
    if (path.ends_with('/'))
      routes.add_prefix(http::verb::options, path, preflight);
    else
      routes.add(http::verb::options, path, preflight);
  }
}

}  // namespace server
