#include "server/sessions.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"

#include <nlohmann/json.hpp>

namespace server {
namespace {

constexpr std::string_view kCookie = "latchkey-session";
constexpr std::size_t kTokenSize = 32;
constexpr std::size_t kUserAgentMax = 256;

std::int64_t to_ms(common::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             t.time_since_epoch())
      .count();
}

common::time_point from_ms(std::int64_t ms) {
  return common::time_point(std::chrono::milliseconds(ms));
}

std::string_view kind_name(session_kind kind) {
  switch (kind) {
    case session_kind::partial:
      return "partial";
    case session_kind::enrollment:
      return "enrollment";
    case session_kind::full:
      break;
  }
  return "full";
}

std::optional<session_kind> kind_from(std::string_view name) {
  for (const auto kind :
       {session_kind::full, session_kind::partial, session_kind::enrollment}) {
    if (kind_name(kind) == name)
      return kind;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(assurance_level level) noexcept {
  switch (level) {
    case assurance_level::aal1:
      return "AAL1";
    case assurance_level::aal2:
      return "AAL2";
    case assurance_level::aal3:
      return "AAL3";
    case assurance_level::none:
      break;
  }
  return "none";
}

std::string session_state::to_json() const {
  nlohmann::json methods_json = nlohmann::json::array();
  for (const auto& m : methods) {
    methods_json.push_back(
        {{"type", m.type}, {"uv", m.user_verified}, {"at", to_ms(m.at)}});
  }
  nlohmann::json out = {{"kind", kind_name(kind)}, {"methods", methods_json}};
  if (strong_at)
    out["strong_at"] = to_ms(*strong_at);
  if (password_reset)
    out["reset"] = true;
  return out.dump();
}

std::optional<session_state> session_state::from_json(std::string_view text) {
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_object())
    return std::nullopt;
  session_state out;
  const auto kind = parsed.find("kind");
  if (kind == parsed.end() || !kind->is_string())
    return std::nullopt;
  const auto known = kind_from(kind->get<std::string>());
  if (!known)
    return std::nullopt;
  out.kind = *known;
  if (const auto methods = parsed.find("methods");
      methods != parsed.end() && methods->is_array()) {
    for (const auto& m : *methods) {
      if (!m.is_object() || !m.value("type", nlohmann::json()).is_string())
        return std::nullopt;
      out.methods.push_back({m["type"].get<std::string>(), m.value("uv", false),
                             from_ms(m.value("at", std::int64_t{0}))});
    }
  }
  if (const auto strong = parsed.find("strong_at");
      strong != parsed.end() && strong->is_number_integer()) {
    out.strong_at = from_ms(strong->get<std::int64_t>());
  }
  out.password_reset = parsed.value("reset", false);
  return out;
}

std::optional<active_session> session_manager::current(
    const request& req, common::time_point now) const {
  const auto token_text = read_cookie(req, cookie_name(kCookie, config_));
  if (!token_text)
    return std::nullopt;
  const auto token = common::base64url_decode(*token_text);
  if (!token || token->size() != kTokenSize)
    return std::nullopt;
  const auto digest = common::sha256(*token);
  auto row = store_.find_session(digest, now);
  if (!row)
    return std::nullopt;
  if (now - row->last_seen_at > config_.session_idle) {
    (void)store_.delete_session(digest);
    return std::nullopt;
  }
  auto state = session_state::from_json(row->methods);
  if (!state)
    return std::nullopt;
  // One write a minute at most: idle expiry is counted in minutes anyway.
  if (now - row->last_seen_at > std::chrono::minutes(1))
    (void)store_.touch_session(digest, now);
  return active_session{std::move(*row), std::move(*state)};
}

api_result<session_manager::prepared> session_manager::prepare(
    storage::user_id user, assurance_level assurance,
    const session_state& state, const request& req, std::string_view address,
    common::time_point now) const {
  auto token = common::random_bytes(kTokenSize);
  if (!token)
    return api_failure(api_error::internal, {});
  prepared out;
  storage::session& row = out.row;
  const auto digest = common::sha256(*token);
  row.token_hash.assign(digest.begin(), digest.end());
  row.user = user;
  row.assurance = static_cast<int>(assurance);
  row.methods = state.to_json();
  row.created_at = now;
  row.last_seen_at = now;
  row.expires_at =
      now + std::chrono::duration_cast<common::time_point::duration>(
                config_.session_lifetime);
  row.address = std::string(address);
  const auto agent = req.find(http::field::user_agent);
  if (agent != req.end())
    row.user_agent = std::string(agent->value().substr(0, kUserAgentMax));
  const auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(
      config_.session_lifetime);
  out.cookie = set_cookie(cookie_name(kCookie, config_),
                          common::base64url_encode(*token), lifetime, config_);
  common::wipe(*token);
  return out;
}

api_result<std::string> session_manager::start(
    storage::user_id user, assurance_level assurance,
    const session_state& state, const request& req, std::string_view address,
    common::time_point now, const active_session* replaced) const {
  auto made = prepare(user, assurance, state, req, address, now);
  if (!made)
    return made.error();
  if (auto stored = store_.put_session(made->row); !stored)
    return api_failure(api_error::internal, {});
  if (replaced != nullptr)
    (void)store_.delete_session(replaced->row.token_hash);
  return std::move(made->cookie);
}

void session_manager::end(const active_session& session) const {
  (void)store_.delete_session(session.row.token_hash);
}

std::string session_manager::clearing_cookie() const {
  return set_cookie(cookie_name(kCookie, config_), "", std::chrono::seconds(0),
                    config_);
}

common::bytes session_hash_of(const std::optional<active_session>& session) {
  return session ? session->row.token_hash : common::bytes{};
}

}  // namespace server
