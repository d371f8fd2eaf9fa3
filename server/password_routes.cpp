#include "server/password_routes.hpp"

#include "server/account_support.hpp"

#include "common/crypto.hpp"
#include "server/ceremonies.hpp"
#include "server/guess_limits.hpp"
#include "server/metrics.hpp"
#include "server/passwords.hpp"
#include "server/usernames.hpp"
#include "storage/password.hpp"

#include <nlohmann/json.hpp>

namespace server {
namespace {

using nlohmann::json;
using storage::ceremony_kind;

constexpr std::size_t kTokenMax = 64;

class password_api : public account_base {
 public:
  using account_base::account_base;

  api_result<response> sign_up(const request&, request_context&);
  api_result<response> sign_in(const request&, request_context&);
  api_result<response> change(const request&, request_context&);
  api_result<response> begin_reset(const request&, request_context&);
  api_result<response> begin_enrollment(const request&, request_context&);

 private:
  api_result<storage::user> redeem_token(const request& req,
                                         ceremony_kind kind);
  storage::password_cost cost() const {
    return {static_cast<std::uint32_t>(s_.config.password_memory_kib),
            static_cast<std::uint32_t>(s_.config.password_passes), 1};
  }
  password_rules rules() const {
    return {s_.config.password_min_length, s_.config.password_max_bytes,
            s_.breached};
  }
  // One Argon2id verification, against the user's hash or, when there is
  // none, a dummy of the same cost: the time does not tell which. Gives
  // whether it matched and whether the stored hash wants an upgrade.
  std::pair<bool, bool> check_password(std::string normalized,
                                       const std::optional<storage::user>& u);
  void count(std::string_view outcome) const {
    if (s_.stats != nullptr) {
      s_.stats->add(
          "latchkey_sign_ins_total",
          {{"method", "password"}, {"outcome", std::string(outcome)}});
    }
  }
};

std::pair<bool, bool> password_api::check_password(
    std::string normalized, const std::optional<storage::user>& u) {
  const std::string& stored = u && u->password_hash
                                  ? *u->password_hash
                                  : std::string(s_.dummy_password_hash);
  auto verdict = storage::verify_password(normalized, stored, cost());
  const bool real = u && u->password_hash;
  return {verdict.has_value() && real,
          verdict.has_value() && real && verdict->needs_upgrade};
}

api_result<response> password_api::sign_up(const request& req,
                                           request_context& ctx) {
  auto body = json_object_body(req, {"username", "displayName", "password"});
  if (!body)
    return body.error();
  auto name = string_member(*body, "username", 256);
  auto display = string_member(*body, "displayName", 1024);
  auto password = string_member(*body, "password", 64 * 1024);
  if (!name || !display || !password)
    return !name ? name.error() : !display ? display.error() : password.error();
  auto username = normalize_username(*name);
  if (!username)
    return username.error();
  auto display_name = check_display_name(*display);
  if (!display_name)
    return display_name.error();
  auto normalized = check_new_password(*password, rules());
  if (!normalized)
    return normalized.error();
  if (auto limited = limit_ceremony_start(ctx); !limited)
    return limited.error();
  if (s_.store.find_user_by_name(*username))
    return api_failure(api_error::username_taken);
  auto hash = storage::hash_password(*normalized, cost());
  auto handle = common::random_bytes(64);
  if (!hash || !handle)
    return api_failure(api_error::internal);
  auto user = s_.store.create_user(
      {*handle, *username, *display_name, std::move(*hash)}, s_.clock.now());
  if (!user) {
    return api_failure(user.error() == storage::errc::already_exists
                           ? api_error::username_taken
                           : api_error::internal);
  }
  audit(user->id, "sign_up", "ok", ctx, {{"method", "password"}});
  // A password alone is one factor: under the default policy the new
  // account can only enroll a second one.
  session_state state;
  state.kind = s_.config.insecure_single_factor ? session_kind::full
                                                : session_kind::enrollment;
  state.methods.push_back({"password", false, s_.clock.now()});
  return answer_new_session(req, ctx, *user, state, assurance_level::aal1,
                            s_.sessions.current(req, s_.clock.now()),
                            http::status::created);
}

api_result<response> password_api::sign_in(const request& req,
                                           request_context& ctx) {
  auto body = json_object_body(req, {"username", "password"});
  if (!body)
    return body.error();
  auto name = string_member(*body, "username", 256);
  auto password = string_member(*body, "password", 64 * 1024);
  if (!name || !password)
    return !name ? name.error() : password.error();
  auto username = normalize_username(*name);
  if (!username)
    return username.error();
  auto normalized = normalize_password(*password, rules());
  if (!normalized)
    return normalized.error();
  const guess_limits limits(s_);
  if (auto allowed = limits.before(guessed_factor::password, *username,
                                   ctx.remote_address);
      !allowed) {
    count("limited");
    return allowed.error();
  }
  auto found = s_.store.find_user_by_name(*username);
  std::optional<storage::user> user;
  if (found)
    user = std::move(*found);
  const auto [matched, upgrade] = check_password(*normalized, user);
  if (!matched || user->disabled) {
    const char* reason = !user      ? "unknown_user"
                         : !matched ? "password_mismatch"
                                    : "user_disabled";
    limits.failed(guessed_factor::password, *username, ctx.remote_address);
    audit(user ? std::optional(user->id) : std::nullopt, "sign_in", "refused",
          ctx, {{"method", "password"}, {"reason", reason}});
    count("refused");
    api_failure failed(api_error::sign_in_failed);
    failed.reason = reason;
    return failed;
  }
  limits.succeeded(guessed_factor::password, *username);
  if (upgrade) {
    if (auto rehashed = storage::hash_password(*normalized, cost()))
      (void)s_.store.set_password_hash(user->id, *rehashed);
  }
  audit(user->id, "sign_in_password", "ok", ctx, {{"method", "password"}});
  count("ok");
  const auto current = s_.sessions.current(req, s_.clock.now());
  const auto now = s_.clock.now();
  session_state state;
  // A password after a key without user verification finishes that sign-in.
  if (current && current->row.user == user->id &&
      current->state.kind == session_kind::partial) {
    state = current->state;
    state.kind = session_kind::full;
    state.strong_at = now;
    state.methods.push_back({"password", false, now});
    return answer_new_session(req, ctx, *user, state, assurance_level::aal2,
                              current, http::status::ok);
  }
  state.methods.push_back({"password", false, now});
  if (s_.config.insecure_single_factor) {
    state.kind = session_kind::full;
  } else if (const auto codes = s_.store.count_unused_recovery_codes(user->id);
             has_second_factor(user->id) || (codes && *codes > 0)) {
    state.kind = session_kind::partial;
  } else {
    state.kind = session_kind::enrollment;
  }
  return answer_new_session(req, ctx, *user, state, assurance_level::aal1,
                            current, http::status::ok);
}

api_result<response> password_api::change(const request& req,
                                          request_context& ctx) {
  auto body = json_object_body(req, {"currentPassword", "newPassword"});
  if (!body)
    return body.error();
  auto current_text =
      optional_string_member(*body, "currentPassword", 64 * 1024);
  auto next_text = string_member(*body, "newPassword", 64 * 1024);
  if (!current_text || !next_text)
    return !current_text ? current_text.error() : next_text.error();
  auto session = require_session(req);
  if (!session)
    return session.error();
  // A change needs a second factor used just now, so that a stolen
  // password or session alone cannot replace it.
  if (auto recent = require_recent_strong(*session); !recent)
    return recent.error();
  auto user = s_.store.find_user(session->row.user);
  if (!user)
    return api_failure(api_error::not_signed_in);
  auto next = check_new_password(*next_text, rules());
  if (!next)
    return next.error();
  // After a reset the old password is not known; otherwise it is asked for.
  if (user->password_hash && !session->state.password_reset) {
    if (!*current_text) {
      api_failure missing(api_error::member_missing,
                          "currentPassword is required.");
      missing.member = "currentPassword";
      return missing;
    }
    auto old = normalize_password(**current_text, rules());
    if (!old || !check_password(*old, *user).first)
      return api_failure(api_error::password_mismatch);
  }
  auto hash = storage::hash_password(*next, cost());
  if (!hash || !s_.store.set_password_hash(user->id, *hash))
    return api_failure(api_error::internal);
  // Every other session ends: whoever knew the old password is out.
  (void)s_.store.delete_sessions(user->id, session->row.token_hash);
  guess_limits(s_).clear(user->username);
  audit(user->id, "password_changed", "ok", ctx,
        {{"after_reset", session->state.password_reset}});
  return no_content(req.version());
}

// The user a one-time token in the body was issued for; the token is spent.
api_result<storage::user> password_api::redeem_token(const request& req,
                                                     ceremony_kind kind) {
  auto body = json_object_body(req, {"token"});
  if (!body)
    return body.error();
  auto token = string_member(*body, "token", kTokenMax);
  if (!token)
    return token.error();
  auto user_id = redeem_one_time_token(s_.store, *token, kind, s_.clock.now());
  if (!user_id)
    return user_id.error();
  auto user = s_.store.find_user(*user_id);
  if (!user)
    return api_failure(api_error::ceremony_unknown);
  return std::move(*user);
}

// A token's session: half way (a second factor must follow) for a reset,
// enrollment-only for an enrollment link.
api_result<response> password_api::begin_reset(const request& req,
                                               request_context& ctx) {
  auto user = redeem_token(req, ceremony_kind::password_reset);
  if (!user)
    return user.error();
  audit(user->id, "password_reset_begun", "ok", ctx);
  session_state state;
  state.kind = session_kind::partial;
  state.password_reset = true;
  state.methods.push_back({"reset-token", false, s_.clock.now()});
  return answer_new_session(req, ctx, *user, state, assurance_level::none,
                            s_.sessions.current(req, s_.clock.now()),
                            http::status::ok);
}

api_result<response> password_api::begin_enrollment(const request& req,
                                                    request_context& ctx) {
  auto user = redeem_token(req, ceremony_kind::factor_reset);
  if (!user)
    return user.error();
  guess_limits(s_).clear(user->username);
  audit(user->id, "enrollment_link_used", "ok", ctx);
  session_state state;
  state.kind = session_kind::enrollment;
  state.methods.push_back({"enrollment-link", false, s_.clock.now()});
  return answer_new_session(req, ctx, *user, state, assurance_level::none,
                            s_.sessions.current(req, s_.clock.now()),
                            http::status::ok);
}

using route = api_route<password_api>;

const route kRoutes[] = {
    {http::verb::post, "/signup/password", "signup_password", true, true,
     &password_api::sign_up},
    {http::verb::post, "/signin/password", "signin_password", true, true,
     &password_api::sign_in},
    {http::verb::post, "/password", "change_password", true, true,
     &password_api::change},
    {http::verb::post, "/password/reset", "begin_password_reset", true, false,
     &password_api::begin_reset},
    {http::verb::post, "/enroll", "begin_enrollment", true, false,
     &password_api::begin_enrollment},
};

}  // namespace

void add_password_routes(router& routes, services& s) {
  add_api_routes<password_api>(routes, std::make_shared<password_api>(s),
                               kRoutes);
}

std::vector<route_entry> password_route_list() {
  return route_entries<password_api>(kRoutes);
}

}  // namespace server
