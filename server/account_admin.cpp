#include "server/account_admin.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "server/ceremonies.hpp"
#include "server/guess_limits.hpp"
#include "server/services.hpp"
#include "server/usernames.hpp"

#include <algorithm>

namespace server {
namespace {

using nlohmann::json;
using storage::ceremony_kind;

constexpr std::size_t kHandleSize = 64;
constexpr std::size_t kAdminKeySize = 32;
constexpr std::size_t kAdminKeyNameMax = 64;
constexpr std::string_view kAdminKeyPrefix = "admin-key:";
constexpr std::string_view kAdminKeyTextPrefix = "lk_";
constexpr std::string_view kRevokedReason = "revoked by an administrator";

// A missing row is what the caller wanted anyway.
bool done_or_absent(const storage::result<void>& r) {
  return r || r.error() == storage::errc::not_found;
}

api_result<one_time_link> issue_link(const operator_context& ctx,
                                     const storage::user& user,
                                     ceremony_kind kind,
                                     std::string_view fragment) {
  const auto lifetime = ctx.config.reset_token_lifetime;
  auto token =
      issue_one_time_token(ctx.store, kind, user.id, lifetime, ctx.now);
  if (!token)
    return token.error();
  const std::string origin =
      ctx.config.origins.empty() ? std::string() : ctx.config.origins.front();
  one_time_link link;
  link.url = origin + std::string(fragment) + *token;
  link.token = std::move(*token);
  link.expires_at =
      ctx.now +
      std::chrono::duration_cast<common::time_point::duration>(lifetime);
  return link;
}

}  // namespace

void audit_operator(const operator_context& ctx,
                    std::optional<storage::user_id> user,
                    std::string_view event, std::string_view outcome,
                    const json& extra) {
  json detail =
      ctx.actor.detail.is_object() ? ctx.actor.detail : json::object();
  detail.update(extra);
  storage::audit_event e;
  e.at = ctx.now;
  e.user = user;
  e.event = std::string(event);
  e.outcome = std::string(outcome);
  e.address = ctx.actor.address;
  e.user_agent = ctx.actor.user_agent;
  e.detail = detail.dump(-1, ' ', false, json::error_handler_t::replace);
  (void)ctx.store.append_audit(e);
}

api_result<storage::user> find_named_user(storage::store& store,
                                          std::string_view name) {
  auto username = normalize_username(name);
  if (!username)
    return username.error();
  auto user = store.find_user_by_name(*username);
  if (!user) {
    return api_failure(user.error() == storage::errc::not_found
                           ? api_error::user_not_found
                           : api_error::internal);
  }
  return std::move(*user);
}

api_result<factor_summary> factors_of(storage::store& store,
                                      const storage::user& user) {
  const auto credentials = store.list_credentials(user.id);
  const auto totp = store.find_totp(user.id);
  const auto codes = store.count_unused_recovery_codes(user.id);
  if (!credentials || !totp || !codes)
    return api_failure(api_error::internal);
  factor_summary out;
  out.credentials = credentials->size();
  out.suspended_credentials = static_cast<std::size_t>(
      std::count_if(credentials->begin(), credentials->end(),
                    [](const storage::credential& c) { return c.suspended; }));
  out.totp_confirmed = totp->confirmed.has_value();
  out.totp_pending = totp->pending.has_value();
  out.recovery_codes_left = *codes;
  out.password = user.password_hash.has_value();
  return out;
}

api_result<created_account> create_account(
    operator_context& ctx, std::string_view username,
    const std::optional<std::string>& display_name) {
  auto name = normalize_username(username);
  if (!name)
    return name.error();
  auto display = check_display_name(display_name.value_or(*name));
  if (!display)
    return display.error();
  auto handle = common::random_bytes(kHandleSize);
  if (!handle)
    return api_failure(api_error::internal);
  auto user =
      ctx.store.create_user({*handle, *name, *display, std::nullopt}, ctx.now);
  if (!user) {
    return api_failure(user.error() == storage::errc::already_exists
                           ? api_error::username_taken
                           : api_error::internal);
  }
  auto link = issue_link(ctx, *user, ceremony_kind::factor_reset, "/#enroll=");
  if (!link)
    return link.error();
  audit_operator(ctx, user->id, "user_created", "ok");
  return created_account{std::move(*user), std::move(*link)};
}

api_result<void> set_account_disabled(operator_context& ctx,
                                      const storage::user& user,
                                      bool disabled) {
  if (auto set = ctx.store.set_disabled(user.id, disabled); !set) {
    return api_failure(set.error() == storage::errc::not_found
                           ? api_error::user_not_found
                           : api_error::internal);
  }
  // The sign-in flow refuses a disabled user; sessions begun before would
  // otherwise live on until they expire.
  if (disabled && !ctx.store.delete_sessions(user.id, {}))
    return api_failure(api_error::internal);
  audit_operator(ctx, user.id, disabled ? "user_disabled" : "user_enabled",
                 "ok");
  return {};
}

api_result<void> revoke_credential(operator_context& ctx,
                                   const storage::credential& credential) {
  if (auto set = ctx.store.set_suspended(credential.id, true,
                                         std::string(kRevokedReason));
      !set) {
    return api_failure(set.error() == storage::errc::not_found
                           ? api_error::credential_not_found
                           : api_error::internal);
  }
  if (!ctx.store.delete_sessions(credential.user, {}))
    return api_failure(api_error::internal);
  audit_operator(ctx, credential.user, "credential_revoked", "ok",
                 {{"credential", common::base64url_encode(credential.id)}});
  return {};
}

api_result<one_time_link> reset_factors(operator_context& ctx,
                                        const storage::user& user) {
  const auto before = factors_of(ctx.store, user);
  auto credentials = ctx.store.list_credentials(user.id);
  if (!before || !credentials)
    return api_failure(api_error::internal);
  for (const auto& c : *credentials) {
    if (!done_or_absent(ctx.store.remove_credential(user.id, c.id)))
      return api_failure(api_error::internal);
  }
  if (!done_or_absent(ctx.store.delete_totp(user.id)) ||
      !ctx.store.replace_recovery_codes(user.id, {}))
    return api_failure(api_error::internal);
  // Last, so that no session begun with a factor just removed survives.
  if (!ctx.store.delete_sessions(user.id, {}))
    return api_failure(api_error::internal);
  auto link = issue_link(ctx, user, ceremony_kind::factor_reset, "/#enroll=");
  if (!link)
    return link.error();
  audit_operator(ctx, user.id, "factors_reset", "ok",
                 {{"credentials", before->credentials},
                  {"totp", before->totp_confirmed || before->totp_pending},
                  {"recoveryCodes", before->recovery_codes_left}});
  return link;
}

api_result<one_time_link> issue_password_reset(operator_context& ctx,
                                               const storage::user& user) {
  auto link = issue_link(ctx, user, ceremony_kind::password_reset, "/#reset=");
  if (!link)
    return link.error();
  audit_operator(ctx, user.id, "password_reset_issued", "ok");
  return link;
}

api_result<void> erase_account(operator_context& ctx,
                               const storage::user& user) {
  // Erased before the deletion too, so that a failure part way leaves an
  // account that can be deleted again rather than details with no account
  // left to delete them by; after it, for events written in between.
  if (!ctx.store.erase_audit_details(user.id))
    return api_failure(api_error::internal);
  if (auto deleted = ctx.store.delete_user(user.id); !deleted) {
    return api_failure(deleted.error() == storage::errc::not_found
                           ? api_error::user_not_found
                           : api_error::internal);
  }
  if (!ctx.store.erase_audit_details(user.id))
    return api_failure(api_error::internal);
  // They are keyed by the username, which must not outlive the account
  // (nor lock out the next account of that name).
  clear_guess_limits(ctx.store, user.username);
  audit_operator(ctx, user.id, "user_deleted", "ok");
  return {};
}

std::string_view to_string(admin_role role) noexcept {
  return role == admin_role::introspect ? "introspect" : "admin";
}

std::optional<admin_role> admin_role_from(std::string_view text) noexcept {
  for (const auto role : {admin_role::admin, admin_role::introspect}) {
    if (to_string(role) == text)
      return role;
  }
  return std::nullopt;
}

bool valid_admin_key_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > kAdminKeyNameMax)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

namespace {

common::bytes text_bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

std::optional<admin_key> parse_admin_key(std::string_view row_name,
                                         const common::bytes& value) {
  const auto parsed = json::parse(value.begin(), value.end(), nullptr, false);
  if (!parsed.is_object() || !parsed.value("role", json()).is_string() ||
      !parsed.value("sha256", json()).is_string())
    return std::nullopt;
  const auto role = admin_role_from(parsed["role"].get<std::string>());
  auto hash = common::base64url_decode(parsed["sha256"].get<std::string>());
  if (!role || !hash || hash->size() != common::sha256_digest().size())
    return std::nullopt;
  admin_key key;
  key.name = std::string(row_name.substr(kAdminKeyPrefix.size()));
  key.role = *role;
  key.hash = std::move(*hash);
  const auto created = common::parse_time(parsed.value("createdAt", ""));
  key.created_at = created.value_or(common::time_point());
  return key;
}

}  // namespace

storage::result<std::string> add_admin_key(storage::store& store,
                                           std::string_view name,
                                           admin_role role,
                                           common::time_point now) {
  auto secret = common::random_bytes(kAdminKeySize);
  if (!secret)
    return secret.error();
  const std::string text =
      std::string(kAdminKeyTextPrefix) + common::base64url_encode(*secret);
  common::wipe(*secret);
  const auto digest = common::sha256(text_bytes(text));
  const json row = {{"role", to_string(role)},
                    {"sha256", common::base64url_encode(digest)},
                    {"createdAt", common::format_time(now)}};
  const auto value = text_bytes(row.dump());
  const std::string row_name = std::string(kAdminKeyPrefix) + std::string(name);
  // A name in use keeps its key: the store gives back the one it holds.
  auto stored = store.put_value_if_absent(row_name, value);
  if (!stored)
    return stored.error();
  if (*stored != value)
    return storage::make_error_code(storage::errc::already_exists);
  return text;
}

storage::result<std::vector<admin_key>> list_admin_keys(storage::store& store) {
  auto rows = store.list_values(kAdminKeyPrefix);
  if (!rows)
    return rows.error();
  std::vector<admin_key> out;
  for (const auto& [name, value] : *rows) {
    if (auto key = parse_admin_key(name, value))
      out.push_back(std::move(*key));
  }
  return out;
}

storage::result<void> remove_admin_key(storage::store& store,
                                       std::string_view name) {
  return store.delete_value(std::string(kAdminKeyPrefix) + std::string(name));
}

std::optional<admin_key> match_admin_key(storage::store& store,
                                         std::string_view presented) {
  const auto digest = common::sha256(text_bytes(presented));
  auto keys = list_admin_keys(store);
  if (!keys)
    return std::nullopt;
  std::optional<admin_key> found;
  for (auto& key : *keys) {
    // Every hash is compared, so the time taken does not tell which key
    // (or how many) came before the one that matched.
    const bool same = common::constant_time_equal(digest, key.hash);
    if (same && !found)
      found = std::move(key);
  }
  return found;
}

void apply_audit_retention(services& s) {
  const auto retention = s.config.audit_address_retention;
  if (retention.count() <= 0)
    return;
  const auto before =
      s.clock.now() -
      std::chrono::duration_cast<common::time_point::duration>(retention);
  const auto forgotten = s.store.forget_audit_addresses(before);
  if (!forgotten) {
    s.log.warn("audit_retention_failed",
               {{"reason", forgotten.error().message()}});
    return;
  }
  if (*forgotten > 0) {
    s.log.debug("audit_addresses_forgotten",
                {{"events", static_cast<std::uint64_t>(*forgotten)}});
  }
}

}  // namespace server
