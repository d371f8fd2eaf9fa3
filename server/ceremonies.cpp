#include "server/ceremonies.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"

namespace server {
namespace {

constexpr std::string_view kCookie = "latchkey-ceremony";
constexpr std::size_t kHandleSize = 32;

}  // namespace

api_result<new_ceremony> make_ceremony(const ceremony_begin& begin,
                                       const settings& config,
                                       common::time_point now) {
  auto handle = common::random_bytes(kHandleSize);
  if (!handle)
    return api_failure(api_error::internal);
  const auto digest = common::sha256(*handle);
  new_ceremony made;
  made.handle = common::base64url_encode(*handle);
  storage::ceremony& row = made.row;
  row.handle_hash.assign(digest.begin(), digest.end());
  row.kind = begin.kind;
  row.user = begin.user;
  row.session_hash = begin.session_hash;
  row.challenge = begin.challenge;
  row.user_verification = std::string(webauthn::to_string(begin.uv));
  row.expires_at =
      now + std::chrono::duration_cast<common::time_point::duration>(
                config.ceremony_timeout);
  row.context = begin.context.dump();
  return made;
}

api_result<std::string> begin_ceremony(storage::store& store,
                                       const ceremony_begin& begin,
                                       const settings& config,
                                       common::time_point now) {
  auto made = make_ceremony(begin, config, now);
  if (!made)
    return made.error();
  if (auto stored = store.put_ceremony(made->row); !stored)
    return api_failure(api_error::internal);
  return std::move(made->handle);
}

std::optional<std::string> ceremony_handle(
    const request& req, const std::optional<std::string>& in_body,
    const settings& config) {
  if (in_body)
    return in_body;
  return read_cookie(req, cookie_name(kCookie, config));
}

namespace {

// The handle's hash, or why there is none to look up.
api_result<common::bytes> handle_digest(
    const std::optional<std::string>& handle) {
  if (!handle || handle->empty())
    return api_failure(api_error::ceremony_missing);
  const auto bytes = common::base64url_decode(*handle);
  if (!bytes || bytes->size() != kHandleSize)
    return api_failure(api_error::ceremony_unknown);
  const auto digest = common::sha256(*bytes);
  return common::bytes(digest.begin(), digest.end());
}

// The checks of finish_ceremony on what the store found for `digest`; a
// `held` ceremony is taken when refused.
api_result<storage::ceremony> check_found(
    storage::store& store, storage::result<storage::ceremony> found,
    const common::bytes& digest, storage::ceremony_kind kind,
    const common::bytes& session_hash, common::time_point now, bool held) {
  const auto refuse = [&](api_error why) {
    if (held)
      (void)store.take_ceremony(digest, now);
    return api_failure(why);
  };
  if (!found) {
    // An unknown handle has nothing to spend; an expired ceremony has.
    if (found.error() != storage::errc::expired)
      return api_failure(api_error::ceremony_unknown);
    return refuse(api_error::ceremony_expired);
  }
  if (found->kind != kind)
    return refuse(api_error::ceremony_purpose_mismatch);
  if (!common::constant_time_equal(found->session_hash, session_hash))
    return refuse(api_error::ceremony_session_mismatch);
  return std::move(*found);
}

}  // namespace

api_result<storage::ceremony> finish_ceremony(
    storage::store& store, const std::optional<std::string>& handle,
    storage::ceremony_kind kind, const common::bytes& session_hash,
    common::time_point now) {
  const auto digest = handle_digest(handle);
  if (!digest)
    return digest.error();
  return check_found(store, store.take_ceremony(*digest, now), *digest, kind,
                     session_hash, now, false);
}

api_result<held_sign_in> hold_sign_in(storage::store& store,
                                      const std::optional<std::string>& handle,
                                      storage::ceremony_kind kind,
                                      const common::bytes& session_hash,
                                      common::time_point now,
                                      common::byte_view credential_id) {
  const auto digest = handle_digest(handle);
  if (!digest)
    return digest.error();
  auto reads = store.find_sign_in(*digest, now, credential_id);
  auto held = check_found(store, std::move(reads.held), *digest, kind,
                          session_hash, now, true);
  if (!held)
    return held.error();
  return held_sign_in{std::move(*held), std::move(reads.owned)};
}

api_result<std::string> issue_one_time_token(storage::store& store,
                                             storage::ceremony_kind kind,
                                             storage::user_id user,
                                             std::chrono::milliseconds lifetime,
                                             common::time_point now) {
  auto token = common::random_bytes(kHandleSize);
  if (!token)
    return api_failure(api_error::internal);
  const auto digest = common::sha256(*token);
  storage::ceremony row;
  row.handle_hash.assign(digest.begin(), digest.end());
  row.kind = kind;
  row.user = user;
  row.user_verification = "required";
  row.expires_at =
      now + std::chrono::duration_cast<common::time_point::duration>(lifetime);
  row.context = "{}";
  // Whoever asked for a new link no longer trusts where the last one went.
  if (auto stored = store.put_sole_ceremony(row); !stored)
    return api_failure(api_error::internal);
  return common::base64url_encode(*token);
}

api_result<storage::user_id> redeem_one_time_token(storage::store& store,
                                                   const std::string& token,
                                                   storage::ceremony_kind kind,
                                                   common::time_point now) {
  auto taken = finish_ceremony(store, token, kind, {}, now);
  if (!taken)
    return taken.error();
  if (!taken->user)
    return api_failure(api_error::ceremony_unknown);
  return *taken->user;
}

nlohmann::json ceremony_context(const storage::ceremony& c) {
  auto parsed = nlohmann::json::parse(c.context, nullptr, false);
  return parsed.is_object() ? parsed : nlohmann::json::object();
}

std::string ceremony_cookie(const std::string& handle, const settings& config) {
  return set_cookie(
      cookie_name(kCookie, config), handle,
      std::chrono::duration_cast<std::chrono::seconds>(config.ceremony_timeout),
      config);
}

std::string clear_ceremony_cookie(const settings& config) {
  return set_cookie(cookie_name(kCookie, config), "", std::chrono::seconds(0),
                    config);
}

}  // namespace server
