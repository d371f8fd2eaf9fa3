#include "server/factor_routes.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "server/account_support.hpp"
#include "server/guess_limits.hpp"
#include "server/keys.hpp"
#include "server/metrics.hpp"
#include "storage/sealing.hpp"
#include "totp/key_uri.hpp"
#include "totp/otp.hpp"
#include "totp/qr.hpp"
#include "totp/recovery.hpp"

#include <nlohmann/json.hpp>

namespace server {
namespace {

using nlohmann::json;

constexpr std::size_t kCodeMax = 64;
// A pending authenticator app must be confirmed within this long.
constexpr auto kPendingLifetime = std::chrono::minutes(10);

totp::algorithm algorithm_from(std::string_view name) {
  if (name == "SHA256")
    return totp::algorithm::sha256;
  if (name == "SHA512")
    return totp::algorithm::sha512;
  return totp::algorithm::sha1;
}

totp::params params_of(const storage::totp_enrollment& e) {
  totp::params p;
  p.hash = algorithm_from(e.algorithm);
  p.digits = e.digits;
  p.period = e.period;
  return p;
}

class factor_api : public account_base {
 public:
  using account_base::account_base;

  api_result<response> sign_in_totp(const request&, request_context&);
  api_result<response> sign_in_recovery(const request&, request_context&);
  api_result<response> start_totp(const request&, request_context&);
  api_result<response> confirm_totp(const request&, request_context&);
  api_result<response> remove_totp(const request&, request_context&);
  api_result<response> count_codes(const request&, request_context&);
  api_result<response> new_codes(const request&, request_context&);
  api_result<response> list_sessions(const request&, request_context&);
  api_result<response> end_session(const request&, request_context&);
  api_result<response> update_settings(const request&, request_context&);

 private:
  // The half-way session and its user, for the second step of a sign-in.
  api_result<std::pair<active_session, storage::user>> second_step(
      const request& req) const;
  // The code of a TOTP request, and the user's confirmed enrollment opened.
  api_result<std::string> code_member(const request& req) const;
  api_result<totp::secret> open_secret(const storage::totp_enrollment& e);
  // What a guessed code comes to: nothing when it matches, otherwise the
  // reason it is refused; an error is one that is not the guesser's.
  using guess = api_result<std::optional<std::string>>;
  static guess refusal(std::string reason) {
    return std::optional<std::string>(std::move(reason));
  }
  // The frame of a second step by code: the guessing limits before, each
  // refusal counted against them and audited, the session raised after.
  template <typename Check>
  api_result<response> code_step(const request& req, request_context& ctx,
                                 guessed_factor factor, std::string_view method,
                                 Check check);
  // Finishes the sign-in the session began, with `method` as its second
  // factor.
  api_result<response> finish_second_step(const request& req,
                                          const request_context& ctx,
                                          const active_session& session,
                                          const storage::user& user,
                                          std::string_view method);
  void count(std::string_view method, std::string_view outcome) const {
    if (s_.stats != nullptr) {
      s_.stats->add(
          "latchkey_sign_ins_total",
          {{"method", std::string(method)}, {"outcome", std::string(outcome)}});
    }
  }
};

api_result<std::pair<active_session, storage::user>> factor_api::second_step(
    const request& req) const {
  auto session = require_any_session(req);
  if (!session)
    return session.error();
  if (session->state.kind != session_kind::partial)
    return api_failure(api_error::not_signed_in);
  auto user = s_.store.find_user(session->row.user);
  if (!user || user->disabled)
    return api_failure(api_error::not_signed_in);
  return std::pair(std::move(*session), std::move(*user));
}

api_result<std::string> factor_api::code_member(const request& req) const {
  auto body = json_object_body(req, {"code"});
  if (!body)
    return body.error();
  return string_member(*body, "code", kCodeMax);
}

api_result<totp::secret> factor_api::open_secret(
    const storage::totp_enrollment& e) {
  auto plain = s_.keys.open(storage::kTotpSecretPurpose, e.user, e.secret);
  if (!plain)
    return api_failure(api_error::internal);
  return totp::secret(std::move(*plain));
}

api_result<response> factor_api::finish_second_step(
    const request& req, const request_context& ctx,
    const active_session& session, const storage::user& user,
    std::string_view method) {
  const auto now = s_.clock.now();
  session_state state = session.state;
  state.kind = session_kind::full;
  state.methods.push_back({std::string(method), false, now});
  state.strong_at = now;
  audit(user.id, "sign_in", "ok", ctx, {{"method", method}});
  count(method, "ok");
  return answer_new_session(req, ctx, user, state, assurance_level::aal2,
                            session, http::status::ok);
}

template <typename Check>
api_result<response> factor_api::code_step(const request& req,
                                           request_context& ctx,
                                           guessed_factor factor,
                                           std::string_view method,
                                           Check check) {
  auto code = code_member(req);
  if (!code)
    return code.error();
  auto step = second_step(req);
  if (!step)
    return step.error();
  auto& [session, user] = *step;
  const guess_limits limits(s_);
  if (auto allowed = limits.before(factor, user.username, ctx.remote_address);
      !allowed) {
    count(method, "limited");
    return allowed.error();
  }
  auto outcome = check(*code, user);
  if (!outcome)
    return outcome.error();
  if (*outcome) {
    limits.failed(factor, user.username, ctx.remote_address);
    audit(user.id, "sign_in", "refused", ctx,
          {{"method", method}, {"reason", **outcome}});
    count(method, "refused");
    api_failure failed(api_error::sign_in_failed);
    failed.reason = std::move(**outcome);
    return failed;
  }
  limits.succeeded(factor, user.username);
  return finish_second_step(req, ctx, session, user, method);
}

api_result<response> factor_api::sign_in_totp(const request& req,
                                              request_context& ctx) {
  return code_step(
      req, ctx, guessed_factor::totp, "totp",
      [&](const std::string& code, const storage::user& user) -> guess {
        // Once the user has a key, a code that could be phished does not do.
        const auto next = next_factors(user);
        if (std::find(next.begin(), next.end(), "totp") == next.end())
          return refusal("totp_not_allowed");
        auto state = s_.store.find_totp(user.id);
        if (!state || !state->confirmed)
          return refusal("totp_not_enrolled");
        auto key = open_secret(*state->confirmed);
        if (!key)
          return key.error();
        auto accepted = totp::accept_code(code, *key, s_.clock.now(),
                                          params_of(*state->confirmed),
                                          state->confirmed->last_step);
        if (!accepted)
          return refusal(common::error_name(accepted.error()));
        // The store decides a race: of two requests with one code, one wins.
        if (!s_.store.accept_totp_step(user.id, *accepted))
          return refusal("code_already_used");
        return std::nullopt;
      });
}

api_result<response> factor_api::sign_in_recovery(const request& req,
                                                  request_context& ctx) {
  return code_step(
      req, ctx, guessed_factor::recovery_code, "recovery-code",
      [&](const std::string& code, const storage::user& user) -> guess {
        auto normalized = totp::normalize_recovery_code(code);
        if (!normalized)
          return refusal(common::error_name(normalized.error()));
        // One hash whatever the lookup id: an unknown one is checked against
        // the dummy, so the time does not tell which ids exist.
        const auto lookup = normalized->substr(0, totp::kRecoveryLookupLength);
        const auto stored = s_.store.find_recovery_code(user.id, lookup);
        const std::string& hash =
            stored ? stored->hash : s_.recovery->dummy_hash();
        const auto matched = s_.recovery->verify(hash, *normalized);
        if (!stored || !matched)
          return refusal("recovery_code_invalid");
        if (!s_.store.use_recovery_code(user.id, lookup, s_.clock.now()))
          return refusal("recovery_code_already_used");
        // The way back in also unlocks what the lost factors had locked.
        guess_limits(s_).clear(user.username);
        add_user_notice(s_.store, user,
                        {{"type", "recovery_code_used"},
                         {"at", common::format_time(s_.clock.now())},
                         {"address", ctx.remote_address}});
        audit(user.id, "recovery_code_used", "ok", ctx);
        return std::nullopt;
      });
}

api_result<response> factor_api::start_totp(const request& req,
                                            request_context& ctx) {
  auto body = json_object_body(req, {});
  if (!body)
    return body.error();
  auto session = require_enrolling(req);
  if (!session)
    return session.error();
  auto user = s_.store.find_user(session->row.user);
  if (!user)
    return api_failure(api_error::not_signed_in);
  auto key = totp::generate_secret(totp::algorithm::sha1);
  if (!key)
    return api_failure(api_error::internal);
  // The app shows the RP name and the username; usernames have no colon,
  // which the Key URI label reserves.
  auto uri = totp::make_key_uri(s_.config.rp_name, user->username, *key);
  if (!uri)
    return api_failure(api_error::internal);
  auto qr = totp::qr_svg(*uri);
  auto sealed =
      s_.keys.seal(storage::kTotpSecretPurpose, user->id, key->view());
  if (!qr || !sealed)
    return api_failure(api_error::internal);
  storage::totp_enrollment pending;
  pending.user = user->id;
  pending.secret = std::move(*sealed);
  pending.algorithm = "SHA1";
  pending.created_at = s_.clock.now();
  if (!s_.store.put_pending_totp(pending))
    return api_failure(api_error::internal);
  audit(user->id, "totp_enrollment_started", "ok", ctx);
  // The secret is shown this once; the answer must not be cached.
  return json_answer(
      http::status::ok,
      {{"secret", totp::secret_to_base32(*key)},
       {"uri", *uri},
       {"qrSvg", *qr},
       {"confirmWithin",
        std::chrono::duration_cast<std::chrono::seconds>(kPendingLifetime)
            .count()}},
      req.version());
}

api_result<response> factor_api::confirm_totp(const request& req,
                                              request_context& ctx) {
  auto code = code_member(req);
  if (!code)
    return code.error();
  auto session = require_enrolling(req);
  if (!session)
    return session.error();
  const auto user_id = session->row.user;
  auto state = s_.store.find_totp(user_id);
  if (!state)
    return api_failure(api_error::internal);
  if (!state->pending ||
      s_.clock.now() - state->pending->created_at > kPendingLifetime)
    return api_failure(api_error::factor_not_enrolled);
  auto key = open_secret(*state->pending);
  if (!key)
    return key.error();
  auto step = totp::accept_code(*code, *key, s_.clock.now(),
                                params_of(*state->pending), std::nullopt);
  if (!step) {
    audit(user_id, "totp_confirmed", "refused", ctx,
          {{"reason", common::error_name(step.error())}});
    return api_failure(api_error::code_invalid);
  }
  // The confirming step becomes the last accepted one: the same code
  // cannot then sign in.
  if (!s_.store.confirm_totp(user_id, *step))
    return api_failure(api_error::factor_not_enrolled);
  audit(user_id, "totp_confirmed", "ok", ctx);
  if (session->state.kind == session_kind::enrollment)
    return finish_enrollment(req, ctx, *session, "totp", false,
                             {{"totp", true}});
  return json_answer(http::status::created, {{"totp", true}}, req.version());
}

api_result<response> factor_api::remove_totp(const request& req,
                                             request_context& ctx) {
  auto session = require_session(req);
  if (!session)
    return session.error();
  if (auto recent = require_recent_strong(*session); !recent)
    return recent.error();
  const auto user_id = session->row.user;
  auto state = s_.store.find_totp(user_id);
  auto credentials = s_.store.list_credentials(user_id);
  if (!state || !credentials)
    return api_failure(api_error::internal);
  if (!state->confirmed)
    return api_failure(api_error::factor_not_enrolled);
  if (credentials->empty() && !s_.config.insecure_single_factor)
    return api_failure(api_error::last_second_factor);
  if (!s_.store.delete_totp(user_id))
    return api_failure(api_error::internal);
  (void)s_.store.delete_sessions(user_id, session->row.token_hash);
  audit(user_id, "totp_removed", "ok", ctx);
  return no_content(req.version());
}

api_result<response> factor_api::count_codes(const request& req,
                                             request_context&) {
  auto session = require_session(req);
  if (!session)
    return session.error();
  auto left = s_.store.count_unused_recovery_codes(session->row.user);
  if (!left)
    return api_failure(api_error::internal);
  return json_answer(http::status::ok,
                     {{"remaining", *left},
                      {"promptNewSet", *left <= totp::kRecoveryPromptAt}},
                     req.version());
}

api_result<response> factor_api::new_codes(const request& req,
                                           request_context& ctx) {
  auto body = json_object_body(req, {});
  if (!body)
    return body.error();
  auto session = require_enrolling(req);
  if (!session)
    return session.error();
  auto batch = totp::generate_recovery_codes(*s_.recovery);
  if (!batch)
    return api_failure(api_error::internal);
  std::vector<storage::recovery_code> rows;
  for (const auto& record : batch->records)
    rows.push_back({record.lookup_id, record.hash, std::nullopt});
  if (!s_.store.replace_recovery_codes(session->row.user, rows))
    return api_failure(api_error::internal);
  audit(session->row.user, "recovery_codes_replaced", "ok", ctx);
  // Shown this once: the server keeps only their hashes.
  return json_answer(http::status::created, {{"codes", batch->codes}},
                     req.version());
}

api_result<response> factor_api::list_sessions(const request& req,
                                               request_context&) {
  auto session = require_session(req);
  if (!session)
    return session.error();
  auto all = s_.store.list_sessions(session->row.user, s_.clock.now());
  if (!all)
    return api_failure(api_error::internal);
  json list = json::array();
  for (const auto& row : *all) {
    const auto state = session_state::from_json(row.methods);
    json item = session_json(state.value_or(session_state{}),
                             static_cast<assurance_level>(row.assurance),
                             row.created_at, row.expires_at);
    // The id names a session without being its token: the token's hash.
    item["id"] = common::base64url_encode(row.token_hash);
    item["current"] = row.token_hash == session->row.token_hash;
    item["lastSeenAt"] = common::format_time(row.last_seen_at);
    item["address"] = row.address;
    item["userAgent"] = row.user_agent;
    list.push_back(std::move(item));
  }
  return json_answer(http::status::ok, {{"sessions", list}}, req.version());
}

api_result<response> factor_api::end_session(const request& req,
                                             request_context& ctx) {
  auto session = require_session(req);
  if (!session)
    return session.error();
  const std::string_view path = target_path(req.target());
  const auto id = common::base64url_decode(path.substr(path.rfind('/') + 1));
  auto all = s_.store.list_sessions(session->row.user, s_.clock.now());
  if (!id || !all)
    return api_failure(api_error::credential_not_found, "No such session.");
  const bool mine = std::any_of(
      all->begin(), all->end(),
      [&](const storage::session& row) { return row.token_hash == *id; });
  if (!mine)
    return api_failure(api_error::credential_not_found, "No such session.");
  (void)s_.store.delete_session(*id);
  audit(session->row.user, "session_ended", "ok", ctx);
  return no_content(req.version());
}

api_result<response> factor_api::update_settings(const request& req,
                                                 request_context& ctx) {
  auto body = json_object_body(req, {"phishingResistantOnly"});
  if (!body)
    return body.error();
  const auto value = body->find("phishingResistantOnly");
  if (value == body->end() || !value->is_boolean()) {
    api_failure wrong(api_error::member_wrong_type,
                      "phishingResistantOnly must be true or false.");
    wrong.member = "phishingResistantOnly";
    return wrong;
  }
  auto session = require_session(req);
  if (!session)
    return session.error();
  if (auto recent = require_recent_strong(*session); !recent)
    return recent.error();
  auto user = s_.store.find_user(session->row.user);
  if (!user)
    return api_failure(api_error::not_signed_in);
  auto policy = user_policy(*user);
  policy["phishingResistantOnly"] = value->get<bool>();
  if (!s_.store.set_policy_state(user->id, policy.dump()))
    return api_failure(api_error::internal);
  audit(user->id, "settings_changed", "ok", ctx,
        {{"phishingResistantOnly", value->get<bool>()}});
  return json_answer(http::status::ok,
                     {{"phishingResistantOnly", value->get<bool>()}},
                     req.version());
}

using route = api_route<factor_api>;

const route kRoutes[] = {
    {http::verb::post, "/signin/totp", "signin_totp", true, false,
     &factor_api::sign_in_totp},
    {http::verb::post, "/signin/recovery", "signin_recovery", true, true,
     &factor_api::sign_in_recovery},
    {http::verb::post, "/totp", "start_totp", true, false,
     &factor_api::start_totp},
    {http::verb::post, "/totp/confirm", "confirm_totp", true, false,
     &factor_api::confirm_totp},
    {http::verb::delete_, "/totp", "remove_totp", true, false,
     &factor_api::remove_totp},
    {http::verb::get, "/recovery-codes", "count_recovery_codes", false, false,
     &factor_api::count_codes},
    {http::verb::post, "/recovery-codes", "new_recovery_codes", true, true,
     &factor_api::new_codes},
    {http::verb::get, "/sessions", "list_sessions", false, false,
     &factor_api::list_sessions},
    {http::verb::delete_, "/sessions/{id}", "end_session", true, false,
     &factor_api::end_session},
    {http::verb::patch, "/settings", "update_settings", true, false,
     &factor_api::update_settings},
};

}  // namespace

void add_factor_routes(router& routes, services& s) {
  add_api_routes<factor_api>(routes, std::make_shared<factor_api>(s), kRoutes);
}

std::vector<route_entry> factor_route_list() {
  return route_entries<factor_api>(kRoutes);
}

}  // namespace server
