// What an operator does to accounts, in one place for the admin API and
// `latchkey user`: create an account that starts with an enrollment link,
// disable and enable it, revoke a credential, reset its second factors or
// its password through a one-time link, erase it (GDPR), and the audit
// retention the server applies once a minute.
//
// Each change is one audit event naming who acted (an admin key's name,
// or the command), and every action that takes a way in away also ends
// the user's sessions.
//
// Thread-safe: functions over the store, which locks.
#pragma once

#include "common/clock.hpp"
#include "server/api.hpp"
#include "server/settings.hpp"
#include "storage/store.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace server {

struct services;

// Who acts, as the audit records it: the client address (or the command's
// name, such as "latchkey user"), the user agent when there is one, and
// the members every event of theirs carries ({"key": NAME} for an admin
// key, {"command": ...} for a command).
struct operator_actor {
  std::string address;
  std::string user_agent;
  nlohmann::json detail = nlohmann::json::object();
};

// What an operator action works with.
struct operator_context {
  storage::store& store;
  const settings& config;
  common::time_point now;
  operator_actor actor;
};

// A one-time token for a person, shown once and stored only hashed: the
// token, the login page's address that redeems it (the first configured
// origin, "/#enroll=" or "/#reset=", the token), and when it expires.
struct one_time_link {
  std::string token;
  std::string url;
  common::time_point expires_at;
};

// The user named `name`, after normalize_username. Fails with
// username_invalid or user_not_found.
api_result<storage::user> find_named_user(storage::store& store,
                                          std::string_view name);

// What a user can sign in with.
struct factor_summary {
  std::size_t credentials = 0;
  std::size_t suspended_credentials = 0;
  bool totp_confirmed = false;
  bool totp_pending = false;  // enrolled, not confirmed yet
  std::size_t recovery_codes_left = 0;
  bool password = false;
};

api_result<factor_summary> factors_of(storage::store& store,
                                      const storage::user& user);

// A new account without a password or a credential, and the enrollment
// link (a factor_reset token) with which its person sets up a first
// factor. `display_name` defaults to the username. Fails with
// username_invalid, display_name_invalid or username_taken.
struct created_account {
  storage::user user;
  one_time_link link;
};
api_result<created_account> create_account(
    operator_context& ctx, std::string_view username,
    const std::optional<std::string>& display_name);

// A disabled user cannot sign in; disabling also ends their sessions.
api_result<void> set_account_disabled(operator_context& ctx,
                                      const storage::user& user, bool disabled);

// Suspends the credential ("revoked by an administrator", which its owner
// sees) and ends its owner's sessions.
api_result<void> revoke_credential(operator_context& ctx,
                                   const storage::credential& credential);

// Removes every credential, the TOTP enrollment (confirmed or pending) and
// the recovery codes, ends every session, and gives an enrollment link
// (factor_reset) valid for settings::reset_token_lifetime; redeeming it
// also unlocks the account's guessing limits. The password, if any, stays.
api_result<one_time_link> reset_factors(operator_context& ctx,
                                        const storage::user& user);

// A password reset link (password_reset), valid for
// settings::reset_token_lifetime; redeeming it still needs a second factor.
api_result<one_time_link> issue_password_reset(operator_context& ctx,
                                               const storage::user& user);

// GDPR erasure: removes the user and all that is theirs, then strips the
// address, user agent and detail from their audit events, which keep only
// the bare user id as a pseudonym; then records "user_deleted" under it.
// The guessing limits' counts under the username go too.
api_result<void> erase_account(operator_context& ctx,
                               const storage::user& user);

// Appends one audit event of the actor's: their detail members with
// `extra` added. Best effort, like every audit write: a failure to record
// never undoes the change.
void audit_operator(const operator_context& ctx,
                    std::optional<storage::user_id> user,
                    std::string_view event, std::string_view outcome,
                    const nlohmann::json& extra = nlohmann::json::object());

// Admin API keys. Each lives in the store's named values under
// "admin-key:NAME" as a JSON object {"role": "admin" or "introspect",
// "sha256": base64url of the SHA-256 of the key's text, "createdAt"}: the
// key itself is shown once when made, and never stored.
enum class admin_role { admin, introspect };

std::string_view to_string(admin_role role) noexcept;
std::optional<admin_role> admin_role_from(std::string_view text) noexcept;

struct admin_key {
  std::string name;
  admin_role role = admin_role::admin;
  common::bytes hash;  // SHA-256 of the key's text
  common::time_point created_at;
};

// 1 to 64 characters from A-Z a-z 0-9 . _ -: names go into audit details
// and log fields as they are.
bool valid_admin_key_name(std::string_view name) noexcept;

// Makes a key of 32 random bytes, "lk_" + base64url, and stores its hash
// under `name`. Gives the key's text. Fails with already_exists for a name
// in use.
storage::result<std::string> add_admin_key(storage::store& store,
                                           std::string_view name,
                                           admin_role role,
                                           common::time_point now);

// Every stored key, in name order; rows that do not parse are left out
// (and so never match).
storage::result<std::vector<admin_key>> list_admin_keys(storage::store& store);

// Fails with not_found for an unknown name.
storage::result<void> remove_admin_key(storage::store& store,
                                       std::string_view name);

// The key whose text is `presented`: its hash is compared with every
// stored hash in constant time, all of them every time.
std::optional<admin_key> match_admin_key(storage::store& store,
                                         std::string_view presented);

// Strips address and user agent from audit events older than
// settings::audit_address_retention (0: keeps them). For the server's
// periodic sweep; a failure is logged and retried at the next sweep.
void apply_audit_retention(services& s);

}  // namespace server
