// What the account API's groups of routes share: the one place a request
// becomes an answer (the cross-site checks, the problem document, the log
// line, CORS), sessions and their assurance, audit events, the JSON of
// users, sessions and credentials, and adding a group's routes with their
// CORS preflights.
//
// Thread-safe: every group uses only the services, which are.
#pragma once

#include "server/api.hpp"
#include "server/router.hpp"
#include "server/services.hpp"
#include "server/sessions.hpp"
#include "server/webauthn_flows.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace server {

inline constexpr std::string_view kApiPrefix = "/api/v1";
inline constexpr std::size_t kCeremonyHandleMax = 64;

// A sign-in proves both factors when the authenticator verified its user;
// a key that cannot leave its hardware (not backup eligible) is AAL3.
assurance_level assurance_of(const signed_in& in);

nlohmann::json user_json(const storage::user& u);

// The user's settings and kept notices (users.policy_state, JSON):
// {"phishingResistantOnly": bool, "notices": [...]}.
nlohmann::json user_policy(const storage::user& user);
void add_user_notice(storage::store& store, const storage::user& user,
                     const nlohmann::json& notice);
nlohmann::json session_json(const session_state& state, assurance_level level,
                            common::time_point created,
                            common::time_point expires);

using api_body = std::function<api_result<response>()>;

// The body every ceremony result posts: the handle (or the cookie's) and
// the credential as toJSON() gives it.
struct ceremony_post {
  nlohmann::json body;
  std::optional<std::string> handle;
  const nlohmann::json* credential = nullptr;  // into body
};
api_result<ceremony_post> read_ceremony_post(const request& req);

class account_base {
 public:
  explicit account_base(services& s) : s_(s) {}
  virtual ~account_base() = default;

  // Runs `body` after the cross-site checks of a state-changing route, and
  // turns its failure into a problem document, logged once.
  response answer(std::string_view name, bool state_changing,
                  const api_body& body, const request& req,
                  request_context& ctx);

  services& shared() const noexcept { return s_; }

 protected:
  // The session a sign-in starts, built inside finish_sign_in so that it is
  // stored in the same transaction as the counter.
  struct started_session {
    session_state state;
    assurance_level level = assurance_level::none;
    std::optional<session_manager::prepared> prepared;
  };

  api_result<void> limit_ceremony_start(const request_context& ctx);
  // The options answer: the handle, in the body and a cookie, and the
  // Level 3 JSON options.
  response answer_ceremony(const ceremony_started& started,
                           const request& req) const;
  // Takes the posted ceremony of `kind`, begun in `session`
  // (finish_ceremony). A step-up or add-credential ceremony must also be
  // for the session's user.
  api_result<storage::ceremony> take_ceremony(
      const request& req, const ceremony_post& post,
      storage::ceremony_kind kind,
      const std::optional<active_session>& session) const;
  // The same for a sign-in or step-up result, holding the ceremony and
  // reading the credential `parsed` names with it (hold_sign_in).
  api_result<held_sign_in> hold_sign_in(
      const request& req, const ceremony_post& post,
      storage::ceremony_kind kind, const std::optional<active_session>& session,
      const parsed_assertion& parsed) const;
  // A session that may do everything (not_signed_in otherwise, and
  // second_factor_required for one that is half way).
  api_result<active_session> require_session(const request& req) const;
  // A session of any kind: full, half way, or enrolling its first factor.
  api_result<active_session> require_any_session(const request& req) const;
  api_result<void> require_recent_strong(const active_session& session) const;
  // Adding a factor: a full session with a recent strong sign-in, or a
  // session that exists only to enroll the account's first second factor.
  api_result<active_session> require_enrolling(const request& req) const;
  // After a factor was added in an enrollment session, the session it
  // becomes: full, with the new method, and a new token.
  api_result<response> finish_enrollment(const request& req,
                                         const request_context& ctx,
                                         const active_session& session,
                                         std::string_view method,
                                         bool user_verified,
                                         nlohmann::json extra) const;
  sign_in_writer session_writer(const request& req, const request_context& ctx,
                                const std::optional<active_session>& replaced,
                                std::string_view event,
                                started_session& out) const;
  api_result<response> answer_signed_in(const request& req, const signed_in& in,
                                        const started_session& started,
                                        http::status status) const;
  // Stores a session for `user` (ending `replaced`, when given) and
  // answers with the user, the session, what may come next and the
  // notices the user should see.
  api_result<response> answer_new_session(
      const request& req, const request_context& ctx, const storage::user& user,
      const session_state& state, assurance_level level,
      const std::optional<active_session>& replaced, http::status status) const;
  // The second factors the user can finish signing in with, in the order
  // a page should offer them; empty when they have none.
  nlohmann::json next_factors(const storage::user& user) const;
  // Whether the user has a second factor (a key, or a confirmed TOTP).
  bool has_second_factor(storage::user_id user) const;
  // What the answer of every sign-in step tells the user: flagged or
  // suspended credentials, and notices kept for them (a recovery code
  // used). Reading them clears the kept ones.
  nlohmann::json take_notices(const storage::user& user) const;
  nlohmann::json credential_json(const storage::credential& c) const;
  void audit(std::optional<storage::user_id> user, std::string_view event,
             std::string_view outcome, const request_context& ctx,
             const nlohmann::json& detail = nlohmann::json::object()) const;
  storage::audit_event audit_event(std::optional<storage::user_id> user,
                                   std::string_view event,
                                   std::string_view outcome,
                                   const request_context& ctx,
                                   const nlohmann::json& detail) const;

  services& s_;
};

// One route of a group; `path` is relative to /api/v1, "{id}" a segment.
template <class Api>
struct api_route {
  http::verb method;
  std::string_view path;
  std::string_view name;
  bool state_changing;
  bool pooled;
  api_result<response> (Api::*f)(const request&, request_context&);
};

// The CORS preflights of the paths a group added, with their methods.
void add_preflights(router& routes, services& s,
                    const std::map<std::string, std::string>& methods_of);

// Adds a group's routes; the router's handlers share ownership of `api`.
template <class Api>
void add_api_routes(router& routes, const std::shared_ptr<Api>& api,
                    std::span<const api_route<Api>> table) {
  std::map<std::string, std::string> methods_of;
  for (const auto& r : table) {
    std::string path = std::string(kApiPrefix) + std::string(r.path);
    const auto segment = path.find("{id}");
    handler h = [api, name = r.name, changing = r.state_changing, f = r.f](
                    const request& req, request_context& ctx) {
      Api& self = *api;
      return self.answer(
          name, changing, [&] { return (self.*f)(req, ctx); }, req, ctx);
    };
    if (segment != std::string::npos) {
      path.resize(segment);
      routes.add_prefix(r.method, path, std::move(h));
    } else if (r.pooled) {
      routes.add_pooled(r.method, path, std::move(h));
    } else {
      routes.add(r.method, path, std::move(h));
    }
    auto& listed = methods_of[path];
    listed +=
        (listed.empty() ? "" : ", ") + std::string(http::to_string(r.method));
  }
  add_preflights(routes, api->shared(), methods_of);
}

// The method and path of every route of a table, for the OpenAPI check.
struct route_entry {
  std::string method;
  std::string path;  // "{id}" for a path segment
};

template <class Api>
std::vector<route_entry> route_entries(std::span<const api_route<Api>> table) {
  std::vector<route_entry> out;
  for (const auto& r : table) {
    out.push_back({std::string(http::to_string(r.method)),
                   std::string(kApiPrefix) + std::string(r.path)});
  }
  return out;
}

}  // namespace server
