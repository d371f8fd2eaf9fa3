#include "server/admin_routes.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "server/account_admin.hpp"
#include "server/metrics.hpp"
#include "server/responses.hpp"

#include <boost/beast/core/string.hpp>

#include <charconv>
#include <limits>
#include <map>
#include <memory>

namespace server {
namespace {

using nlohmann::json;

constexpr std::string_view kPrefix = "/admin/v1";
constexpr std::uint64_t kDefaultPage = 50;
constexpr std::uint64_t kMaxPage = 500;
constexpr auto kMaxId =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
// Well above the keys this server makes ("lk_" and 43 characters).
constexpr std::size_t kPresentedKeyMax = 256;
constexpr std::size_t kSessionTokenSize = 32;
constexpr std::size_t kCredentialIdMax = 1023;

using query_map = std::map<std::string, std::string, std::less<>>;

api_failure bad_parameter(api_error code, std::string_view name,
                          std::string detail) {
  api_failure failure(code, std::move(detail));
  failure.member = std::string(name);
  return failure;
}

// %XX escapes decoded; a stray or short escape is refused. A "+" stays a
// plus sign, as in any URI, since usernames may hold one.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    unsigned value = 0;
    const char* first = text.data() + i + 1;
    if (i + 2 >= text.size() ||
        std::from_chars(first, first + 2, value, 16).ptr != first + 2)
      return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

// The query's parameters: each one of `allowed`, at most once.
api_result<query_map> query_of(
    const request& req, std::initializer_list<std::string_view> allowed) {
  const std::string_view target = req.target();
  const auto mark = target.find('?');
  query_map out;
  if (mark == std::string_view::npos)
    return out;
  std::string_view rest = target.substr(mark + 1);
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? "" : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view raw_name = pair.substr(0, eq);
    auto name = percent_decode(raw_name);
    auto value =
        percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value) {
      return bad_parameter(api_error::member_invalid, raw_name,
                           "The query parameter \"" + std::string(raw_name) +
                               "\" has a malformed %-escape.");
    }
    if (std::find(allowed.begin(), allowed.end(), *name) == allowed.end()) {
      return bad_parameter(
          api_error::member_unknown, *name,
          "This route does not take the query parameter \"" + *name + "\".");
    }
    if (!out.emplace(*name, std::move(*value)).second) {
      return bad_parameter(
          api_error::member_invalid, *name,
          "The query parameter \"" + *name + "\" is given more than once.");
    }
  }
  return out;
}

api_result<std::uint64_t> number_parameter(const query_map& query,
                                           std::string_view name,
                                           std::uint64_t fallback,
                                           std::uint64_t min,
                                           std::uint64_t max) {
  const auto found = query.find(name);
  if (found == query.end())
    return fallback;
  const std::string& text = found->second;
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  if (text.empty() || parsed.ec != std::errc() || parsed.ptr != end ||
      value < min || value > max) {
    return bad_parameter(api_error::member_invalid, name,
                         std::string(name) + " must be a whole number from " +
                             std::to_string(min) + " to " +
                             std::to_string(max) + ".");
  }
  return value;
}

// Routes that take no input accept an empty body or an empty object.
api_result<void> no_input(const request& req) {
  if (req.body().empty())
    return {};
  auto body = json_object_body(req, {});
  if (!body)
    return body.error();
  return {};
}

bool declared_json(const request& req) {
  const auto type = req.find(http::field::content_type);
  if (type == req.end())
    return false;
  std::string_view media = type->value();
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ')
    media.remove_suffix(1);
  return beast::iequals(media, "application/json");
}

// The account API's session, with when it was last used.
json admin_session_json(const storage::session& row, const session_state& state,
                        common::time_point expires) {
  json out = session_json(state, static_cast<assurance_level>(row.assurance),
                          row.created_at, expires);
  out["lastSeenAt"] = common::format_time(row.last_seen_at);
  return out;
}

json factors_json(const factor_summary& f) {
  const char* totp = f.totp_confirmed ? "confirmed"
                     : f.totp_pending ? "pending"
                                      : "none";
  return {{"credentials", f.credentials},
          {"suspendedCredentials", f.suspended_credentials},
          {"totp", totp},
          {"recoveryCodesLeft", f.recovery_codes_left},
          {"password", f.password}};
}

// The account API's user, with what only an operator sees: the number the
// audit knows the user by, and whether an operator disabled them.
json admin_user_json(const storage::user& u) {
  json out = user_json(u);
  out["number"] = u.id;
  out["disabled"] = u.disabled;
  return out;
}

response link_answer(const one_time_link& link, const std::string& token_name,
                     const std::string& url_name, unsigned version) {
  return json_answer(http::status::ok,
                     {{token_name, link.token},
                      {url_name, link.url},
                      {"expiresAt", common::format_time(link.expires_at)}},
                     version);
}

// The parameter in braces of a route's path, read from the request's path
// (the router matched everything before it) and %-decoded.
api_result<std::string> path_parameter(std::string_view pattern,
                                       const request& req) {
  const auto open = pattern.find('{');
  if (open == std::string_view::npos)
    return std::string();
  const auto close = pattern.find('}', open);
  const auto name = pattern.substr(open + 1, close - open - 1);
  std::string_view rest = target_path(req.target()).substr(open);
  auto decoded = percent_decode(rest.substr(0, rest.find('/')));
  if (!decoded || decoded->empty()) {
    return bad_parameter(
        api_error::member_invalid, name,
        "The " + std::string(name) + " in the path has a malformed %-escape.");
  }
  return std::move(*decoded);
}

struct route_spec;

struct admin_call {
  const request& req;
  request_context& ctx;
  const admin_key& key;
  std::string param;  // the path's {username} or {id}, decoded
};

// The admin API. It builds on the account API's shared part only for its
// JSON of credentials: it answers through its own checks (a bearer key, no
// cookie, no Origin, no CORS).
class admin_api : public account_base,
                  public std::enable_shared_from_this<admin_api> {
 public:
  explicit admin_api(services& s) : account_base(s) {}

  void add_to(router& routes);

  // One per route of kRoutes below.
  api_result<response> list_users(const admin_call& c);
  api_result<response> show_user(const admin_call& c);
  api_result<response> disable_user(const admin_call& c);
  api_result<response> enable_user(const admin_call& c);
  api_result<response> revoke(const admin_call& c);
  api_result<response> reset_user_factors(const admin_call& c);
  api_result<response> reset_user_password(const admin_call& c);
  api_result<response> delete_user(const admin_call& c);
  api_result<response> list_audit(const admin_call& c);
  api_result<response> introspect(const admin_call& c);

 private:
  response answer(const route_spec& r, const std::string& pattern,
                  const request& req, request_context& ctx);
  api_result<response> run(const route_spec& r, const std::string& pattern,
                           const request& req, request_context& ctx);
  std::optional<admin_key> presented_key(const request& req) const;
  operator_context context_of(const admin_call& c) const;
  api_result<response> set_disabled(const admin_call& c, bool disabled);
  api_result<json> sessions_of(storage::user_id user) const;
  json audit_json(const storage::audit_event& e,
                  std::map<storage::user_id, json>& usernames) const;
  json introspection(std::string_view token) const;
};

struct route_spec {
  http::verb method;
  std::string_view path;  // relative to kPrefix; "{...}" is a segment
  std::string_view name;
  admin_role role;  // the least role that may call it
  api_result<response> (admin_api::*f)(const admin_call&);
};

std::optional<admin_key> admin_api::presented_key(const request& req) const {
  const auto field = req.find(http::field::authorization);
  if (field == req.end())
    return std::nullopt;
  std::string_view value = field->value();
  constexpr std::string_view scheme = "Bearer ";
  if (value.size() <= scheme.size() ||
      !beast::iequals(value.substr(0, scheme.size()), scheme))
    return std::nullopt;
  value.remove_prefix(scheme.size());
  while (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ')
    value.remove_suffix(1);
  if (value.empty() || value.size() > kPresentedKeyMax)
    return std::nullopt;
  return match_admin_key(s_.store, value);
}

operator_context admin_api::context_of(const admin_call& c) const {
  return {s_.store,
          s_.config,
          s_.clock.now(),
          {c.ctx.remote_address, c.ctx.user_agent, {{"key", c.key.name}}}};
}

api_result<response> admin_api::run(const route_spec& r,
                                    const std::string& pattern,
                                    const request& req, request_context& ctx) {
  const auto key = presented_key(req);
  const bool allowed =
      key && (r.role == admin_role::introspect || key->role == r.role);
  if (!allowed) {
    const auto code =
        key ? api_error::admin_forbidden : api_error::admin_unauthorized;
    json detail = {{"route", r.name}, {"code", name_of(code)}};
    if (key)
      detail["key"] = key->name;
    const operator_context audit{s_.store,
                                 s_.config,
                                 s_.clock.now(),
                                 {ctx.remote_address, ctx.user_agent}};
    audit_operator(audit, std::nullopt, "admin_refused", "refused", detail);
    return api_failure(code);
  }
  auto param = path_parameter(pattern, req);
  if (!param)
    return param.error();
  return (this->*r.f)(admin_call{req, ctx, *key, std::move(*param)});
}

response admin_api::answer(const route_spec& r, const std::string& pattern,
                           const request& req, request_context& ctx) {
  auto result = run(r, pattern, req, ctx);
  if (result)
    return std::move(*result);
  const auto& failure = result.error();
  s_.log.info(
      "admin_refused",
      {{"id", ctx.request_id},
       {"route", r.name},
       {"code", name_of(failure.code)},
       {"reason", failure.reason.empty() ? std::string(name_of(failure.code))
                                         : failure.reason}});
  auto res = problem_for(failure, req.version(), false);
  if (failure.code == api_error::admin_unauthorized)
    res.set(http::field::www_authenticate, "Bearer");
  return res;
}

}  // namespace
}  // namespace server

namespace server {
namespace {

api_result<response> admin_api::list_users(const admin_call& c) {
  auto query = query_of(c.req, {"after", "limit"});
  if (!query)
    return query.error();
  const auto after = number_parameter(*query, "after", 0, 0, kMaxId);
  if (!after)
    return after.error();
  const auto limit =
      number_parameter(*query, "limit", kDefaultPage, 1, kMaxPage);
  if (!limit)
    return limit.error();
  // One more than asked for tells whether there is a next page.
  auto users = s_.store.list_users(static_cast<storage::user_id>(*after),
                                   static_cast<std::size_t>(*limit + 1));
  if (!users)
    return api_failure(api_error::internal);
  const bool more = users->size() > *limit;
  if (more)
    users->pop_back();
  json list = json::array();
  for (const auto& u : *users) {
    auto factors = factors_of(s_.store, u);
    if (!factors)
      return factors.error();
    json one = admin_user_json(u);
    one["factors"] = factors_json(*factors);
    list.push_back(std::move(one));
  }
  audit_operator(context_of(c), std::nullopt, "admin_users_listed", "ok",
                 {{"count", list.size()}});
  return json_answer(http::status::ok,
                     {{"users", list},
                      {"next", more ? json(users->back().id) : json(nullptr)}},
                     c.req.version());
}

api_result<json> admin_api::sessions_of(storage::user_id user) const {
  const auto now = s_.clock.now();
  auto rows = s_.store.list_sessions(user, now);
  if (!rows)
    return api_failure(api_error::internal);
  json out = json::array();
  for (const auto& row : *rows) {
    // Past its idle limit it is over, though the sweep has not removed it.
    if (now - row.last_seen_at > s_.config.session_idle)
      continue;
    const auto state = session_state::from_json(row.methods);
    if (!state)
      continue;
    json one = admin_session_json(row, *state, row.expires_at);
    one["address"] = row.address;
    one["userAgent"] = row.user_agent;
    out.push_back(std::move(one));
  }
  // In place: json converts from anything, the failure too.
  return api_result<json>(boost::system::in_place_value, std::move(out));
}

api_result<response> admin_api::show_user(const admin_call& c) {
  if (auto query = query_of(c.req, {}); !query)
    return query.error();
  auto user = find_named_user(s_.store, c.param);
  if (!user)
    return user.error();
  auto factors = factors_of(s_.store, *user);
  auto credentials = s_.store.list_credentials(user->id);
  auto sessions = sessions_of(user->id);
  if (!factors || !credentials || !sessions)
    return api_failure(api_error::internal);
  json keys = json::array();
  for (const auto& k : *credentials) {
    json one = credential_json(k);
    one["signCount"] = k.sign_count;
    one["aaguid"] = common::hex_encode(k.aaguid);
    keys.push_back(std::move(one));
  }
  audit_operator(context_of(c), user->id, "admin_user_viewed", "ok");
  return json_answer(http::status::ok,
                     {{"user", admin_user_json(*user)},
                      {"factors", factors_json(*factors)},
                      {"credentials", keys},
                      {"totp",
                       {{"confirmed", factors->totp_confirmed},
                        {"pending", factors->totp_pending}}},
                      {"recoveryCodesLeft", factors->recovery_codes_left},
                      {"sessions", *sessions}},
                     c.req.version());
}

api_result<response> admin_api::set_disabled(const admin_call& c,
                                             bool disabled) {
  if (auto none = no_input(c.req); !none)
    return none.error();
  auto user = find_named_user(s_.store, c.param);
  if (!user)
    return user.error();
  auto ctx = context_of(c);
  if (auto done = set_account_disabled(ctx, *user, disabled); !done)
    return done.error();
  user->disabled = disabled;
  return json_answer(http::status::ok, {{"user", admin_user_json(*user)}},
                     c.req.version());
}

api_result<response> admin_api::disable_user(const admin_call& c) {
  return set_disabled(c, true);
}

api_result<response> admin_api::enable_user(const admin_call& c) {
  return set_disabled(c, false);
}

api_result<response> admin_api::revoke(const admin_call& c) {
  if (auto none = no_input(c.req); !none)
    return none.error();
  const auto id = common::base64url_decode(c.param);
  if (!id || id->empty() || id->size() > kCredentialIdMax) {
    return bad_parameter(api_error::member_invalid, "id",
                         "The credential id in the path is not 1 to 1023 "
                         "bytes in base64url (unpadded).");
  }
  auto credential = s_.store.find_credential(*id);
  if (!credential) {
    return api_failure(credential.error() == storage::errc::not_found
                           ? api_error::credential_not_found
                           : api_error::internal);
  }
  auto ctx = context_of(c);
  if (auto done = revoke_credential(ctx, *credential); !done)
    return done.error();
  auto revoked = s_.store.find_credential(*id);
  if (!revoked)
    return api_failure(api_error::internal);
  return json_answer(http::status::ok,
                     {{"credential", credential_json(*revoked)}},
                     c.req.version());
}

api_result<response> admin_api::reset_user_factors(const admin_call& c) {
  if (auto none = no_input(c.req); !none)
    return none.error();
  auto user = find_named_user(s_.store, c.param);
  if (!user)
    return user.error();
  auto ctx = context_of(c);
  auto link = reset_factors(ctx, *user);
  if (!link)
    return link.error();
  return link_answer(*link, "enrollmentToken", "enrollmentUrl",
                     c.req.version());
}

api_result<response> admin_api::reset_user_password(const admin_call& c) {
  if (auto none = no_input(c.req); !none)
    return none.error();
  auto user = find_named_user(s_.store, c.param);
  if (!user)
    return user.error();
  auto ctx = context_of(c);
  auto link = issue_password_reset(ctx, *user);
  if (!link)
    return link.error();
  return link_answer(*link, "resetToken", "resetUrl", c.req.version());
}

api_result<response> admin_api::delete_user(const admin_call& c) {
  if (auto none = no_input(c.req); !none)
    return none.error();
  auto user = find_named_user(s_.store, c.param);
  if (!user)
    return user.error();
  auto ctx = context_of(c);
  if (auto erased = erase_account(ctx, *user); !erased)
    return erased.error();
  return no_content(c.req.version());
}

}  // namespace
}  // namespace server

namespace server {
namespace {

json admin_api::audit_json(const storage::audit_event& e,
                           std::map<storage::user_id, json>& usernames) const {
  json user = nullptr;
  if (e.user) {
    // An erased user's events keep the number alone: no name to give.
    auto [known, fresh] = usernames.try_emplace(*e.user, nullptr);
    if (fresh) {
      if (auto found = s_.store.find_user(*e.user))
        known->second = found->username;
    }
    user = {{"number", *e.user}, {"username", known->second}};
  }
  auto detail = json::parse(e.detail, nullptr, false);
  if (detail.is_discarded())
    detail = e.detail;
  return {{"id", e.id},
          {"at", common::format_time(e.at)},
          {"user", user},
          {"event", e.event},
          {"outcome", e.outcome},
          {"address", e.address},
          {"userAgent", e.user_agent},
          {"detail", detail}};
}

api_result<response> admin_api::list_audit(const admin_call& c) {
  auto query = query_of(c.req, {"before", "limit", "user"});
  if (!query)
    return query.error();
  const auto before = number_parameter(*query, "before", 0, 0, kMaxId);
  if (!before)
    return before.error();
  const auto limit =
      number_parameter(*query, "limit", kDefaultPage, 1, kMaxPage);
  if (!limit)
    return limit.error();
  std::optional<storage::user_id> only;
  if (const auto name = query->find("user"); name != query->end()) {
    auto user = find_named_user(s_.store, name->second);
    if (!user) {
      auto failure = user.error();
      failure.member = "user";
      return failure;
    }
    only = user->id;
  }
  auto events = s_.store.list_audit(static_cast<std::int64_t>(*before),
                                    static_cast<std::size_t>(*limit + 1), only);
  if (!events)
    return api_failure(api_error::internal);
  const bool more = events->size() > *limit;
  if (more)
    events->pop_back();
  std::map<storage::user_id, json> usernames;
  json list = json::array();
  for (const auto& e : *events)
    list.push_back(audit_json(e, usernames));
  audit_operator(context_of(c), only, "admin_audit_read", "ok",
                 {{"count", list.size()}});
  return json_answer(http::status::ok,
                     {{"events", list},
                      {"next", more ? json(events->back().id) : json(nullptr)}},
                     c.req.version());
}

// Every way a token can fail gives the same answer, so the caller learns
// nothing about tokens that are not live sessions.
json admin_api::introspection(std::string_view token) const {
  const json inactive = {{"active", false}};
  auto bytes = common::base64url_decode(token);
  if (!bytes || bytes->size() != kSessionTokenSize)
    return inactive;
  const auto digest = common::sha256(*bytes);
  common::wipe(*bytes);
  const auto now = s_.clock.now();
  const auto row = s_.store.find_session(digest, now);
  if (!row || now - row->last_seen_at > s_.config.session_idle)
    return inactive;
  const auto state = session_state::from_json(row->methods);
  const auto user = s_.store.find_user(row->user);
  if (!state || !user || user->disabled)
    return inactive;
  // Unless used again, the session ends at whichever limit comes first.
  const auto idle_end =
      row->last_seen_at +
      std::chrono::duration_cast<common::time_point::duration>(
          s_.config.session_idle);
  json out =
      admin_session_json(*row, *state, std::min(row->expires_at, idle_end));
  out["active"] = true;
  out["user"] = {{"id", common::base64url_encode(user->handle)},
                 {"username", user->username}};
  return out;
}

api_result<response> admin_api::introspect(const admin_call& c) {
  if (!declared_json(c.req))
    return api_failure(api_error::content_type_not_json);
  auto body = json_object_body(c.req, {"token"});
  if (!body)
    return body.error();
  // No length limit of its own: a token too long is just not a session.
  auto token =
      string_member(*body, "token", std::numeric_limits<std::size_t>::max());
  if (!token)
    return token.error();
  return json_answer(http::status::ok, introspection(*token), c.req.version());
}

const route_spec kRoutes[] = {
    {http::verb::get, "/users", "list_users", admin_role::admin,
     &admin_api::list_users},
    {http::verb::get, "/users/{username}", "show_user", admin_role::admin,
     &admin_api::show_user},
    {http::verb::delete_, "/users/{username}", "delete_user", admin_role::admin,
     &admin_api::delete_user},
    {http::verb::post, "/users/{username}/disable", "disable_user",
     admin_role::admin, &admin_api::disable_user},
    {http::verb::post, "/users/{username}/enable", "enable_user",
     admin_role::admin, &admin_api::enable_user},
    {http::verb::post, "/users/{username}/reset-factors", "reset_factors",
     admin_role::admin, &admin_api::reset_user_factors},
    {http::verb::post, "/users/{username}/reset-password", "reset_password",
     admin_role::admin, &admin_api::reset_user_password},
    {http::verb::delete_, "/credentials/{id}", "revoke_credential",
     admin_role::admin, &admin_api::revoke},
    {http::verb::get, "/audit", "list_audit", admin_role::admin,
     &admin_api::list_audit},
    {http::verb::post, "/introspect", "introspect", admin_role::introspect,
     &admin_api::introspect},
};

void admin_api::add_to(router& routes) {
  for (const auto& r : kRoutes) {
    std::string path = std::string(kPrefix) + std::string(r.path);
    handler h = [self = shared_from_this(), &r, path](const request& req,
                                                      request_context& ctx) {
      return self->answer(r, path, req, ctx);
    };
    const auto open = path.find('{');
    if (open == std::string::npos)
      routes.add(r.method, path, std::move(h));
    else
      routes.add_pattern(r.method, path, std::move(h));
  }
}

}  // namespace

router make_admin_router(services& s) {
  router routes;
  routes.add(http::verb::get, "/metrics",
             [&s](const request& req, request_context&) {
               response res{http::status::ok, req.version()};
               res.set(http::field::content_type,
                       "text/plain; version=0.0.4; charset=utf-8");
               res.set(http::field::cache_control, "no-store");
               res.body() = s.stats != nullptr ? s.stats->render() : "";
               res.prepare_payload();
               return res;
             });
  // The routes own the API object between them.
  std::make_shared<admin_api>(s)->add_to(routes);
  return routes;
}

std::vector<route_entry> admin_route_list() {
  std::vector<route_entry> out;
  for (const auto& r : kRoutes) {
    out.push_back({std::string(http::to_string(r.method)),
                   std::string(kPrefix) + std::string(r.path)});
  }
  return out;
}

}  // namespace server
