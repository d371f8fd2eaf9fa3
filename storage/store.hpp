// The Store: the only way the server reads or writes state. Every piece of
// Latchkey's state lives behind it (users, credentials, ceremonies,
// sessions, TOTP enrollments, recovery codes, rate-limit counters, audit
// events), so any node sharing the database can serve any request.
//
// The interface speaks in Latchkey's own types only: no SQL, no SQLite
// handles, no dialect, so a PostgreSQL backend can implement it unchanged.
// Every operation is one transaction. Operations that decide a race (a
// ceremony taken, a TOTP step accepted, a recovery code used, a counter
// raised) are single conditional writes: of two racing callers exactly one
// succeeds, and the other gets already_used or counter_regressed.
//
// Durability: an operation that returned success survives a crash of the
// process. Registrations, secrets, recovery codes and password changes also
// survive a power loss; sign-in bookkeeping may not (docs/storage.md).
//
// Thread-safe: one store may be used from any number of threads.
#pragma once

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "storage/error.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace storage {

using common::byte_view;
using common::bytes;
using common::time_point;
using user_id = std::int64_t;

struct new_user {
  bytes handle;          // the WebAuthn user handle: 64 random bytes
  std::string username;  // normalized by the caller
  std::string display_name;
  std::optional<std::string> password_hash;  // PHC string, when any
};

struct user {
  user_id id = 0;
  bytes handle;
  std::string username;
  std::string display_name;
  std::optional<std::string> password_hash;
  std::string policy_state;  // opaque to the store (JSON text)
  time_point created_at;
  bool disabled = false;  // by an operator: no sign-in at all
};

struct credential {
  bytes id;  // unique across all users
  user_id user = 0;
  bytes public_key;  // COSE_Key
  int algorithm = 0;
  std::uint32_t sign_count = 0;
  std::vector<std::string> transports;
  bytes aaguid;  // 16 bytes
  std::string attestation_format;
  std::string attestation_type;
  bool attestation_trusted = false;
  bytes attestation_object;  // to judge again when metadata changes
  bool backup_eligible = false;
  bool backup_state = false;
  bool uv_initialized = false;
  std::string nickname;
  time_point created_at;
  std::optional<time_point> last_used_at;
  bool possibly_cloned = false;
  bool suspended = false;
  std::string suspended_reason;  // for the owner, when suspended
};

// What a successful sign-in changes on its credential.
struct sign_in_update {
  std::uint32_t sign_count = 0;
  bool backup_state = false;
  time_point at;
};

enum class ceremony_kind {
  sign_up,
  sign_in,
  add_credential,
  step_up,
  conformance_registration,
  conformance_authentication,
  password_reset,  // a one-time token an operator issued
  factor_reset,    // a one-time enrollment link after an admin reset
};

struct ceremony {
  bytes handle_hash;  // SHA-256 of the handle the client holds
  ceremony_kind kind = ceremony_kind::sign_in;
  std::optional<user_id> user;
  bytes session_hash;  // the session that started it; empty if none
  bytes challenge;
  std::string user_verification;  // "required", "preferred", ...
  time_point expires_at;
  std::string context;  // opaque to the store (JSON text)
};

struct session {
  bytes token_hash;  // SHA-256 of the 256-bit token
  user_id user = 0;
  int assurance = 0;    // the server's assurance level
  std::string methods;  // opaque to the store (JSON text)
  time_point created_at;
  time_point last_seen_at;
  time_point expires_at;  // absolute expiry
  std::string address;
  std::string user_agent;
};

struct sealed_value {
  std::string key_id;
  bytes blob;  // nonce || ciphertext || tag
};

struct totp_enrollment {
  user_id user = 0;
  bool confirmed = false;
  sealed_value secret;
  std::string algorithm;  // "SHA1", "SHA256", "SHA512"
  int digits = 6;
  int period = 30;
  std::int64_t last_step = -1;  // the last time step accepted
  time_point created_at;
};

struct totp_state {
  std::optional<totp_enrollment> confirmed;
  std::optional<totp_enrollment> pending;  // a replacement, unconfirmed
};

struct recovery_code {
  std::string lookup_id;
  std::string hash;  // PHC string
  std::optional<time_point> used_at;
};

struct rate_limit {
  std::uint32_t failures = 0;
  time_point window_start;
  std::optional<time_point> locked_until;
};

struct audit_event {
  std::int64_t id = 0;  // assigned by the store, rising
  time_point at;
  std::optional<user_id> user;
  std::string event;
  std::string outcome;
  std::string address;
  std::string user_agent;
  std::string detail;
};

// A user with every credential of theirs, read in one transaction.
struct user_credentials {
  user owner;
  std::vector<credential> credentials;
};

// A credential with the user it belongs to, read in one transaction.
struct owned_credential {
  credential key;
  user owner;
};

class store {
 public:
  virtual ~store() = default;

  // Users. create_user fails with already_exists for a taken username.
  virtual result<user> create_user(const new_user& u, time_point now) = 0;
  virtual result<user> find_user(user_id id) = 0;
  virtual result<user> find_user_by_name(std::string_view username) = 0;
  virtual result<user> find_user_by_handle(byte_view handle) = 0;
  virtual result<void> set_password_hash(user_id id,
                                         const std::string& hash) = 0;
  virtual result<void> set_policy_state(user_id id,
                                        const std::string& state) = 0;
  // Removes the user and everything theirs; audit events stay.
  virtual result<void> delete_user(user_id id) = 0;
  virtual result<void> set_disabled(user_id id, bool disabled) = 0;
  // Users in id order, `limit` at a time, from the first id above `after`.
  virtual result<std::vector<user>> list_users(user_id after,
                                               std::size_t limit) = 0;

  // Credentials. add_credential fails with already_exists when the id is
  // registered to anyone.
  virtual result<void> add_credential(const credential& c) = 0;
  virtual result<credential> find_credential(byte_view id) = 0;
  virtual result<std::vector<credential>> list_credentials(user_id user) = 0;
  // find_user_by_name (or find_user) and list_credentials as one read
  // (put_sign_in_ceremony below makes the same read inside its write), and
  // find_credential with its owner, which is what a sign-in result reads:
  // each in one transaction instead of two.
  virtual result<user_credentials> find_user_credentials(
      std::string_view username) = 0;
  virtual result<user_credentials> find_user_credentials(user_id id) = 0;
  virtual result<owned_credential> find_owned_credential(byte_view id) = 0;
  // What the first half of a sign-in reads and writes, in one transaction
  // instead of two: the user and their credentials, as
  // find_user_credentials reads them, then the ceremony that `make` builds
  // from what was read, stored as put_ceremony stores it. `make` is also
  // called when the read failed (not_found for an unknown user), so that
  // it can build a ceremony for a name that does not exist. Nothing is
  // stored when `make` fails, and its error is returned. `make` runs
  // inside the transaction: it must not call the store.
  using ceremony_maker =
      std::function<result<ceremony>(const result<user_credentials>&)>;
  virtual result<void> put_sign_in_ceremony(std::string_view username,
                                            const ceremony_maker& make) = 0;
  virtual result<void> put_sign_in_ceremony(user_id id,
                                            const ceremony_maker& make) = 0;
  // Raises the counter and records the use, only when the new counter is
  // greater than the stored one or both are 0; else counter_regressed and
  // nothing changes.
  virtual result<void> record_sign_in(byte_view id,
                                      const sign_in_update& update) = 0;
  virtual result<void> flag_possibly_cloned(byte_view id) = 0;
  // `reason` is shown to the owner at their next sign-in with it.
  virtual result<void> set_suspended(byte_view id, bool suspended,
                                     const std::string& reason) = 0;
  // Every credential of every user, in id order, `limit` at a time from
  // the first id after `after` (empty: from the start), for re-checking
  // them all against new metadata.
  virtual result<std::vector<credential>> list_all_credentials(
      byte_view after, std::size_t limit) = 0;
  virtual result<void> rename_credential(user_id user, byte_view id,
                                         const std::string& nickname) = 0;
  virtual result<void> remove_credential(user_id user, byte_view id) = 0;

  // Ceremonies: single use. take_ceremony removes and returns the ceremony
  // in one step; a second take gets not_found, an expired one expired.
  virtual result<void> put_ceremony(const ceremony& c) = 0;
  virtual result<ceremony> take_ceremony(byte_view handle_hash,
                                         time_point now) = 0;
  // Stores `c` and, in the same transaction, removes every other ceremony
  // of its kind for its user: a new one-time link voids those issued
  // before it. A ceremony without a user replaces nothing.
  virtual result<void> put_sole_ceremony(const ceremony& c) = 0;
  // Reads a ceremony without taking it (not_found, or expired), for a
  // caller that takes it later in the transaction of what it decided
  // (sign_in_commit::ceremony) or with take_ceremony when it refuses.
  virtual result<ceremony> peek_ceremony(byte_view handle_hash,
                                         time_point now) = 0;
  // What a sign-in result reads, in one transaction instead of two: the
  // ceremony it answers, as peek_ceremony reads it, and the credential it
  // was signed with and that credential's owner, as find_owned_credential
  // reads them. An empty `credential_id` reads the ceremony alone and
  // gives not_found for the credential.
  struct sign_in_reads {
    result<ceremony> held;
    result<owned_credential> owned;
  };
  virtual sign_in_reads find_sign_in(byte_view handle_hash, time_point now,
                                     byte_view credential_id) = 0;

  // Sessions.
  virtual result<void> put_session(const session& s) = 0;
  // Finds a live session (expired ones give expired).
  virtual result<session> find_session(byte_view token_hash,
                                       time_point now) = 0;
  virtual result<void> touch_session(byte_view token_hash, time_point now) = 0;
  virtual result<void> delete_session(byte_view token_hash) = 0;
  virtual result<std::vector<session>> list_sessions(user_id user,
                                                     time_point now) = 0;
  // Ends every session of the user but `keep` (empty: all of them).
  virtual result<void> delete_sessions(user_id user, byte_view keep) = 0;

  // TOTP. put_pending_totp replaces any pending enrollment; confirm_totp
  // makes the pending one the confirmed one (dropping the old) and records
  // the confirming step; accept_totp_step records a step only when it is
  // later than the last one accepted (else already_used).
  virtual result<void> put_pending_totp(const totp_enrollment& e) = 0;
  virtual result<totp_state> find_totp(user_id user) = 0;
  virtual result<void> confirm_totp(user_id user, std::int64_t step) = 0;
  virtual result<void> accept_totp_step(user_id user, std::int64_t step) = 0;
  virtual result<void> delete_totp(user_id user) = 0;

  // Recovery codes. replace_recovery_codes voids the old set in the same
  // transaction; use_recovery_code marks one used only when it was unused
  // (else already_used).
  virtual result<void> replace_recovery_codes(
      user_id user, const std::vector<recovery_code>& codes) = 0;
  virtual result<recovery_code> find_recovery_code(
      user_id user, std::string_view lookup_id) = 0;
  virtual result<void> use_recovery_code(user_id user,
                                         std::string_view lookup_id,
                                         time_point now) = 0;
  virtual result<std::size_t> count_unused_recovery_codes(user_id user) = 0;

  // Rate limits, keyed by the caller ("user:alice", "addr:192.0.2.1").
  // record_failure counts a failure in the window that starts at the first
  // failure (a new window once `window` has passed) and returns the state.
  virtual result<rate_limit> record_failure(const std::string& key,
                                            time_point now,
                                            std::chrono::seconds window) = 0;
  virtual result<rate_limit> find_rate_limit(const std::string& key) = 0;
  virtual result<void> lock_until(const std::string& key, time_point until) = 0;
  virtual result<void> clear_rate_limit(const std::string& key) = 0;

  // Audit.
  virtual result<std::int64_t> append_audit(const audit_event& e) = 0;

  // Everything a verified sign-in writes, in one transaction: the
  // ceremony it finishes taken (when not empty; already_used when it is
  // gone, so that of two racing results exactly one commits), the counter
  // (as record_sign_in, and refused the same way), the new session, the
  // end of the session it replaces (when not empty), and its audit event.
  // Any refusal writes nothing.
  struct sign_in_commit {
    bytes credential_id;
    sign_in_update update;
    std::optional<session> new_session;
    bytes ended_session;  // token hash
    std::optional<audit_event> audit;
    bytes ceremony;  // handle hash
  };
  virtual result<void> commit_sign_in(const sign_in_commit& c) = 0;
  // Events with id below `before` (0: from the newest), newest first.
  virtual result<std::vector<audit_event>> list_audit(
      std::int64_t before, std::size_t limit, std::optional<user_id> user) = 0;
  // Erasure: the user's events keep their id, time, event and outcome
  // (the user id is a pseudonym once the user is gone), but lose address,
  // user agent and detail. Returns how many events changed.
  virtual result<std::size_t> erase_audit_details(user_id user) = 0;
  // Retention: events older than `before` lose address and user agent.
  virtual result<std::size_t> forget_audit_addresses(time_point before) = 0;

  // Named values shared by every node. put_value_if_absent stores `value`
  // unless the name has one, and returns the one stored: of nodes racing
  // to create a server secret, all end up with the first.
  virtual result<bytes> find_value(std::string_view name) = 0;
  virtual result<bytes> put_value_if_absent(std::string_view name,
                                            byte_view value) = 0;
  virtual result<void> set_value(std::string_view name, byte_view value) = 0;
  // Every (name, value) whose name starts with `prefix`, in name order.
  virtual result<std::vector<std::pair<std::string, bytes>>> list_values(
      std::string_view prefix) = 0;
  virtual result<void> delete_value(std::string_view name) = 0;

  // Removes expired ceremonies and sessions; returns how many.
  virtual result<std::size_t> sweep(time_point now) = 0;

  // Sealed values, for key rotation: every sealed value with where it
  // lives, and a way to replace one.
  struct sealed_row {
    std::string table;
    std::int64_t row = 0;
    user_id user = 0;
    sealed_value value;
  };
  virtual result<std::vector<sealed_row>> list_sealed() = 0;
  virtual result<void> replace_sealed(const sealed_row& row) = 0;
};

}  // namespace storage
