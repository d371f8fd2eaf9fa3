// The SQLite store's short-lived and per-factor state: ceremonies,
// sessions, TOTP enrollments, recovery codes, rate limits, audit events
// and sealed values.
#include "storage/sqlite_store_impl.hpp"

#include <array>
#include <limits>

namespace storage::sqlite {
namespace {

// Ceremony kinds are stored by name, so reordering the enum cannot change
// what a stored row means.
constexpr std::array<std::pair<ceremony_kind, std::string_view>, 8>
    kCeremonyKinds = {{
        {ceremony_kind::sign_up, "sign_up"},
        {ceremony_kind::sign_in, "sign_in"},
        {ceremony_kind::add_credential, "add_credential"},
        {ceremony_kind::step_up, "step_up"},
        {ceremony_kind::conformance_registration, "conformance_registration"},
        {ceremony_kind::conformance_authentication,
         "conformance_authentication"},
        {ceremony_kind::password_reset, "password_reset"},
        {ceremony_kind::factor_reset, "factor_reset"},
    }};

std::string_view kind_name(ceremony_kind kind) noexcept {
  for (const auto& [k, name] : kCeremonyKinds) {
    if (k == kind) {
      return name;
    }
  }
  return "unknown";
}

std::optional<ceremony_kind> kind_from_name(std::string_view name) noexcept {
  for (const auto& [k, n] : kCeremonyKinds) {
    if (n == name) {
      return k;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> optional_ms(
    const std::optional<time_point>& t) noexcept {
  return t ? std::optional(to_ms(*t)) : std::nullopt;
}

std::optional<time_point> optional_time(
    const std::optional<std::int64_t>& ms) noexcept {
  return ms ? std::optional(from_ms(*ms)) : std::nullopt;
}

result<void> changed_one(const result<int>& changes) {
  if (!changes) {
    return changes.error();
  }
  if (*changes == 0) {
    return make_error_code(errc::not_found);
  }
  return {};
}

// After a conditional update changed nothing: not_found when `exists_sql`
// finds no row, else the error that the condition stands for.
template <class... Args>
result<void> refused_or_missing(connection& c, std::string_view exists_sql,
                                errc refused, const Args&... args) {
  const auto exists = select_one(
      c, exists_sql, [](const query&) { return 1; }, args...);
  if (!exists) {
    return exists.error();
  }
  return make_error_code(refused);
}

session read_session(const query& q) {
  session s;
  s.token_hash = q.blob(0);
  s.user = q.integer(1);
  s.assurance = static_cast<int>(q.integer(2));
  s.methods = q.text(3);
  s.created_at = from_ms(q.integer(4));
  s.last_seen_at = from_ms(q.integer(5));
  s.expires_at = from_ms(q.integer(6));
  s.address = q.text(7);
  s.user_agent = q.text(8);
  return s;
}

totp_enrollment read_totp(const query& q) {
  totp_enrollment e;
  e.user = q.integer(0);
  e.confirmed = q.integer(1) != 0;
  e.secret.key_id = q.text(2);
  e.secret.blob = q.blob(3);
  e.algorithm = q.text(4);
  e.digits = static_cast<int>(q.integer(5));
  e.period = static_cast<int>(q.integer(6));
  e.last_step = q.integer(7);
  e.created_at = from_ms(q.integer(8));
  return e;
}

rate_limit read_rate_limit(const query& q) {
  rate_limit r;
  r.window_start = from_ms(q.integer(0));
  r.failures = static_cast<std::uint32_t>(q.integer(1));
  r.locked_until = optional_time(q.optional_integer(2));
  return r;
}

audit_event read_audit(const query& q) {
  audit_event e;
  e.id = q.integer(0);
  e.at = from_ms(q.integer(1));
  e.user = q.optional_integer(2);
  e.event = q.text(3);
  e.outcome = q.text(4);
  e.address = q.text(5);
  e.user_agent = q.text(6);
  e.detail = q.text(7);
  return e;
}

}  // namespace

result<void> insert_ceremony(connection& c, const ceremony& cr) {
  const auto inserted = execute(
      c,
      "INSERT INTO ceremonies (handle_hash, kind, user_id, session_hash, "
      "challenge, user_verification, expires_at, context) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      cr.handle_hash, kind_name(cr.kind), cr.user, cr.session_hash,
      cr.challenge, cr.user_verification, to_ms(cr.expires_at), cr.context);
  if (!inserted) {
    return inserted.error();
  }
  return {};
}

result<void> sqlite_store::put_ceremony(const ceremony& cr) {
  return write(durability::normal,
               [&](connection& c) { return insert_ceremony(c, cr); });
}

// Operators issue these links rarely, and the table holds only live
// ceremonies, so the scan without an index on user_id is cheap.
result<void> sqlite_store::put_sole_ceremony(const ceremony& cr) {
  return write(durability::full, [&](connection& c) -> result<void> {
    if (cr.user) {
      const auto removed =
          execute(c, "DELETE FROM ceremonies WHERE user_id = ? AND kind = ?",
                  *cr.user, kind_name(cr.kind));
      if (!removed) {
        return removed.error();
      }
    }
    return insert_ceremony(c, cr);
  });
}

namespace {

// The ceremony columns after handle_hash, in the order read_ceremony reads.
constexpr std::string_view kCeremonyColumns =
    "kind, user_id, session_hash, challenge, user_verification, expires_at, "
    "context";

const std::string kPeekCeremony = "SELECT " + std::string(kCeremonyColumns) +
                                  " FROM ceremonies WHERE handle_hash = ?";

// Reads a row into `out`; false when its kind is not one this binary
// knows, which must not finish as some other kind.
bool read_ceremony(const query& q, ceremony& out) {
  const auto kind = kind_from_name(q.text(0));
  out.kind = kind.value_or(ceremony_kind{});
  out.user = q.optional_integer(1);
  out.session_hash = q.blob(2);
  out.challenge = q.blob(3);
  out.user_verification = q.text(4);
  out.expires_at = from_ms(q.integer(5));
  out.context = q.text(6);
  return kind.has_value();
}

// Runs `sql`, which yields kCeremonyColumns for one handle hash.
result<ceremony> select_ceremony(connection& c, const std::string& sql,
                                 byte_view handle_hash, bool& known_kind) {
  return select_one(
      c, sql,
      [&known_kind](const query& q) {
        ceremony out;
        known_kind = read_ceremony(q, out);
        return out;
      },
      handle_hash);
}

// Judged after the transaction, so that taking an expired ceremony still
// removes it.
result<ceremony> checked_ceremony(result<ceremony> found, bool known_kind,
                                  byte_view handle_hash, time_point now) {
  if (!found) {
    return found.error();
  }
  if (!known_kind) {
    return make_error_code(errc::database_corrupt);
  }
  if (to_ms(now) >= to_ms(found->expires_at)) {
    return make_error_code(errc::expired);
  }
  found->handle_hash.assign(handle_hash.begin(), handle_hash.end());
  return found;
}

}  // namespace

result<ceremony> sqlite_store::take_ceremony(byte_view handle_hash,
                                             time_point now) {
  // DELETE ... RETURNING takes the row in one statement: of racing takers
  // exactly one gets it. An expired ceremony is removed all the same.
  static const std::string sql =
      "DELETE FROM ceremonies WHERE handle_hash = ? RETURNING " +
      std::string(kCeremonyColumns);
  bool known_kind = true;
  auto taken = write(durability::normal, [&](connection& c) {
    return select_ceremony(c, sql, handle_hash, known_kind);
  });
  return checked_ceremony(std::move(taken), known_kind, handle_hash, now);
}

result<ceremony> sqlite_store::peek_ceremony(byte_view handle_hash,
                                             time_point now) {
  bool known_kind = true;
  auto found = read([&](connection& c) {
    return select_ceremony(c, kPeekCeremony, handle_hash, known_kind);
  });
  return checked_ceremony(std::move(found), known_kind, handle_hash, now);
}

store::sign_in_reads sqlite_store::find_sign_in(byte_view handle_hash,
                                                time_point now,
                                                byte_view credential_id) {
  bool known_kind = true;
  result<owned_credential> owned = make_error_code(errc::not_found);
  // The transaction's own outcome is the ceremony's; the credential's
  // travels beside it, so that either can fail without the other.
  auto found = read_together([&](connection& c) {
    if (!credential_id.empty()) {
      owned = owned_credential_of(c, credential_id);
    }
    return select_ceremony(c, kPeekCeremony, handle_hash, known_kind);
  });
  return {checked_ceremony(std::move(found), known_kind, handle_hash, now),
          std::move(owned)};
}

result<void> insert_session(connection& c, const session& s) {
  const auto inserted = execute(
      c,
      "INSERT INTO sessions (token_hash, user_id, assurance, methods, "
      "created_at, last_seen_at, expires_at, address, user_agent) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      s.token_hash, s.user, s.assurance, s.methods, to_ms(s.created_at),
      to_ms(s.last_seen_at), to_ms(s.expires_at), s.address, s.user_agent);
  if (!inserted) {
    return inserted.error();
  }
  return {};
}

result<void> sqlite_store::put_session(const session& s) {
  return write(durability::normal,
               [&](connection& c) { return insert_session(c, s); });
}

result<session> sqlite_store::find_session(byte_view token_hash,
                                           time_point now) {
  auto found = read([&](connection& c) {
    return select_one(c,
                      "SELECT token_hash, user_id, assurance, methods, "
                      "created_at, last_seen_at, expires_at, address, "
                      "user_agent FROM sessions WHERE token_hash = ?",
                      read_session, token_hash);
  });
  if (found && to_ms(now) >= to_ms(found->expires_at)) {
    return make_error_code(errc::expired);
  }
  return found;
}

result<void> sqlite_store::touch_session(byte_view token_hash, time_point now) {
  return write(durability::normal, [&](connection& c) {
    return changed_one(
        execute(c, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
                to_ms(now), token_hash));
  });
}

result<void> sqlite_store::delete_session(byte_view token_hash) {
  return write(durability::normal, [&](connection& c) {
    return changed_one(
        execute(c, "DELETE FROM sessions WHERE token_hash = ?", token_hash));
  });
}

result<std::vector<session>> sqlite_store::list_sessions(user_id user,
                                                         time_point now) {
  return read([&](connection& c) {
    return select_all(c,
                      "SELECT token_hash, user_id, assurance, methods, "
                      "created_at, last_seen_at, expires_at, address, "
                      "user_agent FROM sessions "
                      "WHERE user_id = ? AND expires_at > ? "
                      "ORDER BY created_at",
                      read_session, user, to_ms(now));
  });
}

result<void> sqlite_store::delete_sessions(user_id user, byte_view keep) {
  // Full durability: sessions ended because a password changed or a clone
  // was flagged must not come back after a power loss.
  return write(durability::full, [&](connection& c) -> result<void> {
    const auto deleted =
        execute(c, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?",
                user, keep);
    if (!deleted) {
      return deleted.error();
    }
    return {};
  });
}

result<void> sqlite_store::put_pending_totp(const totp_enrollment& e) {
  return write(durability::full, [&](connection& c) -> result<void> {
    const auto dropped = execute(
        c, "DELETE FROM totp_enrollments WHERE user_id = ? AND confirmed = 0",
        e.user);
    if (!dropped) {
      return dropped.error();
    }
    const auto inserted = execute(
        c,
        "INSERT INTO totp_enrollments (user_id, confirmed, key_id, secret, "
        "algorithm, digits, period, last_step, created_at) "
        "VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?)",
        e.user, e.secret.key_id, e.secret.blob, e.algorithm, e.digits, e.period,
        e.last_step, to_ms(e.created_at));
    if (!inserted) {
      return inserted.error();
    }
    return {};
  });
}

result<totp_state> sqlite_store::find_totp(user_id user) {
  const auto rows = read([&](connection& c) {
    return select_all(c,
                      "SELECT user_id, confirmed, key_id, secret, algorithm, "
                      "digits, period, last_step, created_at "
                      "FROM totp_enrollments WHERE user_id = ?",
                      read_totp, user);
  });
  if (!rows) {
    return rows.error();
  }
  totp_state state;
  for (const auto& row : *rows) {
    (row.confirmed ? state.confirmed : state.pending) = row;
  }
  return state;
}

result<void> sqlite_store::confirm_totp(user_id user, std::int64_t step) {
  return write(durability::full, [&](connection& c) -> result<void> {
    const auto dropped = execute(
        c,
        "DELETE FROM totp_enrollments WHERE user_id = ?1 AND confirmed = 1 "
        "AND EXISTS (SELECT 1 FROM totp_enrollments "
        "WHERE user_id = ?1 AND confirmed = 0)",
        user);
    if (!dropped) {
      return dropped.error();
    }
    return changed_one(execute(c,
                               "UPDATE totp_enrollments SET confirmed = 1, "
                               "last_step = ? WHERE user_id = ? "
                               "AND confirmed = 0",
                               step, user));
  });
}

result<void> sqlite_store::accept_totp_step(user_id user, std::int64_t step) {
  // The WHERE clause decides a race: two requests with the same code both
  // try to raise last_step to the same value, and only the first changes
  // the row.
  return write(durability::normal, [&](connection& c) -> result<void> {
    const auto changed =
        execute(c,
                "UPDATE totp_enrollments SET last_step = ?1 "
                "WHERE user_id = ?2 AND confirmed = 1 AND last_step < ?1",
                step, user);
    if (!changed) {
      return changed.error();
    }
    if (*changed == 1) {
      return {};
    }
    return refused_or_missing(c,
                              "SELECT 1 FROM totp_enrollments "
                              "WHERE user_id = ? AND confirmed = 1",
                              errc::already_used, user);
  });
}

result<void> sqlite_store::delete_totp(user_id user) {
  return write(durability::full, [&](connection& c) {
    return changed_one(
        execute(c, "DELETE FROM totp_enrollments WHERE user_id = ?", user));
  });
}

result<void> sqlite_store::replace_recovery_codes(
    user_id user, const std::vector<recovery_code>& codes) {
  // One transaction: the old set is void exactly when the new one exists.
  return write(durability::full, [&](connection& c) -> result<void> {
    const auto dropped =
        execute(c, "DELETE FROM recovery_codes WHERE user_id = ?", user);
    if (!dropped) {
      return dropped.error();
    }
    for (const auto& code : codes) {
      const auto inserted = execute(
          c,
          "INSERT INTO recovery_codes (user_id, lookup_id, hash, used_at) "
          "VALUES (?, ?, ?, ?)",
          user, code.lookup_id, code.hash, optional_ms(code.used_at));
      if (!inserted) {
        return inserted.error();
      }
    }
    return {};
  });
}

result<recovery_code> sqlite_store::find_recovery_code(
    user_id user, std::string_view lookup_id) {
  return read([&](connection& c) {
    return select_one(
        c,
        "SELECT lookup_id, hash, used_at FROM recovery_codes "
        "WHERE user_id = ? AND lookup_id = ?",
        [](const query& q) {
          recovery_code code;
          code.lookup_id = q.text(0);
          code.hash = q.text(1);
          code.used_at = optional_time(q.optional_integer(2));
          return code;
        },
        user, lookup_id);
  });
}

result<void> sqlite_store::use_recovery_code(user_id user,
                                             std::string_view lookup_id,
                                             time_point now) {
  // "used_at IS NULL" decides a race: only the first of two requests with
  // the same code changes the row. Full durability, so that a used code
  // cannot become usable again after a power loss.
  return write(durability::full, [&](connection& c) -> result<void> {
    const auto changed =
        execute(c,
                "UPDATE recovery_codes SET used_at = ? "
                "WHERE user_id = ? AND lookup_id = ? AND used_at IS NULL",
                to_ms(now), user, lookup_id);
    if (!changed) {
      return changed.error();
    }
    if (*changed == 1) {
      return {};
    }
    return refused_or_missing(c,
                              "SELECT 1 FROM recovery_codes "
                              "WHERE user_id = ? AND lookup_id = ?",
                              errc::already_used, user, lookup_id);
  });
}

result<std::size_t> sqlite_store::count_unused_recovery_codes(user_id user) {
  return read([&](connection& c) {
    return select_one(
        c,
        "SELECT count(*) FROM recovery_codes "
        "WHERE user_id = ? AND used_at IS NULL",
        [](const query& q) { return static_cast<std::size_t>(q.integer(0)); },
        user);
  });
}

result<rate_limit> sqlite_store::record_failure(const std::string& key,
                                                time_point now,
                                                std::chrono::seconds window) {
  // One upsert counts the failure, starting a new window when the old one
  // has passed; SET expressions all see the row as it was.
  const std::int64_t window_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(window).count();
  return write(durability::normal, [&](connection& c) {
    return select_one(
        c,
        "INSERT INTO rate_limits (key, window_start, failures, locked_until) "
        "VALUES (?1, ?2, 1, NULL) ON CONFLICT (key) DO UPDATE SET "
        "failures = CASE WHEN window_start + ?3 <= ?2 THEN 1 "
        "ELSE failures + 1 END, "
        "window_start = CASE WHEN window_start + ?3 <= ?2 THEN ?2 "
        "ELSE window_start END "
        "RETURNING window_start, failures, locked_until",
        read_rate_limit, key, to_ms(now), window_ms);
  });
}

result<rate_limit> sqlite_store::find_rate_limit(const std::string& key) {
  return read([&](connection& c) {
    return select_one(c,
                      "SELECT window_start, failures, locked_until "
                      "FROM rate_limits WHERE key = ?",
                      read_rate_limit, key);
  });
}

result<void> sqlite_store::lock_until(const std::string& key,
                                      time_point until) {
  return write(durability::normal, [&](connection& c) {
    return changed_one(
        execute(c, "UPDATE rate_limits SET locked_until = ? WHERE key = ?",
                to_ms(until), key));
  });
}

result<void> sqlite_store::clear_rate_limit(const std::string& key) {
  return write(durability::normal, [&](connection& c) -> result<void> {
    const auto deleted =
        execute(c, "DELETE FROM rate_limits WHERE key = ?", key);
    if (!deleted) {
      return deleted.error();
    }
    return {};
  });
}

result<std::int64_t> insert_audit(connection& c, const audit_event& e) {
  const auto inserted =
      execute(c,
              "INSERT INTO audit_events (at, user_id, event, outcome, address, "
              "user_agent, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
              to_ms(e.at), e.user, e.event, e.outcome, e.address, e.user_agent,
              e.detail);
  if (!inserted) {
    return inserted.error();
  }
  return sqlite3_last_insert_rowid(c.handle());
}

result<std::int64_t> sqlite_store::append_audit(const audit_event& e) {
  return write(durability::normal,
               [&](connection& c) { return insert_audit(c, e); });
}

result<void> sqlite_store::commit_sign_in(const sign_in_commit& commit) {
  // Sign-in bookkeeping, like record_sign_in: written to the OS before the
  // answer, synced at the next checkpoint.
  return write(durability::normal, [&](connection& c) -> result<void> {
    if (!commit.ceremony.empty()) {
      const auto taken = execute(
          c, "DELETE FROM ceremonies WHERE handle_hash = ?", commit.ceremony);
      if (!taken) {
        return taken.error();
      }
      if (*taken == 0) {
        return make_error_code(errc::already_used);
      }
    }
    if (auto raised = raise_counter(c, commit.credential_id, commit.update);
        !raised) {
      return raised;
    }
    if (commit.new_session) {
      if (auto stored = insert_session(c, *commit.new_session); !stored)
        return stored;
    }
    if (!commit.ended_session.empty()) {
      if (auto ended = execute(c, "DELETE FROM sessions WHERE token_hash = ?",
                               commit.ended_session);
          !ended) {
        return ended.error();
      }
    }
    if (commit.audit) {
      if (auto logged = insert_audit(c, *commit.audit); !logged)
        return logged.error();
    }
    return {};
  });
}

result<std::vector<audit_event>> sqlite_store::list_audit(
    std::int64_t before, std::size_t limit, std::optional<user_id> user) {
  const std::int64_t upper =
      before > 0 ? before : std::numeric_limits<std::int64_t>::max();
  const auto count = static_cast<std::int64_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::int32_t>::max()));
  return read([&](connection& c) {
    if (user) {
      return select_all(c,
                        "SELECT id, at, user_id, event, outcome, address, "
                        "user_agent, detail FROM audit_events "
                        "WHERE user_id = ? AND id < ? ORDER BY id DESC "
                        "LIMIT ?",
                        read_audit, *user, upper, count);
    }
    return select_all(c,
                      "SELECT id, at, user_id, event, outcome, address, "
                      "user_agent, detail FROM audit_events "
                      "WHERE id < ? ORDER BY id DESC LIMIT ?",
                      read_audit, upper, count);
  });
}

result<std::size_t> sqlite_store::erase_audit_details(user_id user) {
  return write(durability::full, [&](connection& c) -> result<std::size_t> {
    const auto changed = execute(c,
                                 "UPDATE audit_events SET address = '', "
                                 "user_agent = '', detail = '{}' "
                                 "WHERE user_id = ?",
                                 user);
    if (!changed) {
      return changed.error();
    }
    return static_cast<std::size_t>(*changed);
  });
}

result<std::size_t> sqlite_store::forget_audit_addresses(time_point before) {
  return write(durability::normal, [&](connection& c) -> result<std::size_t> {
    const auto changed =
        execute(c,
                "UPDATE audit_events SET address = '', user_agent = '' "
                "WHERE at < ? AND (address <> '' OR user_agent <> '')",
                to_ms(before));
    if (!changed) {
      return changed.error();
    }
    return static_cast<std::size_t>(*changed);
  });
}

result<std::size_t> sqlite_store::sweep(time_point now) {
  return write(durability::normal, [&](connection& c) -> result<std::size_t> {
    const auto ceremonies =
        execute(c, "DELETE FROM ceremonies WHERE expires_at <= ?", to_ms(now));
    if (!ceremonies) {
      return ceremonies.error();
    }
    const auto sessions =
        execute(c, "DELETE FROM sessions WHERE expires_at <= ?", to_ms(now));
    if (!sessions) {
      return sessions.error();
    }
    return static_cast<std::size_t>(*ceremonies) +
           static_cast<std::size_t>(*sessions);
  });
}

// TOTP secrets are the only sealed values so far; a new sealed column
// joins both functions below under its own table name.
constexpr std::string_view kTotpTable = "totp_enrollments";

result<std::vector<store::sealed_row>> sqlite_store::list_sealed() {
  return read([&](connection& c) {
    return select_all(
        c,
        "SELECT id, user_id, key_id, secret FROM totp_enrollments ORDER BY id",
        [](const query& q) {
          sealed_row row;
          row.table = std::string(kTotpTable);
          row.row = q.integer(0);
          row.user = q.integer(1);
          row.value.key_id = q.text(2);
          row.value.blob = q.blob(3);
          return row;
        });
  });
}

result<void> sqlite_store::replace_sealed(const sealed_row& row) {
  if (row.table != kTotpTable) {
    return make_error_code(errc::not_found);
  }
  // The user is part of the key: a value sealed for one user must never
  // land on another user's row.
  return write(durability::full, [&](connection& c) {
    return changed_one(
        execute(c,
                "UPDATE totp_enrollments SET key_id = ?, secret = ? "
                "WHERE id = ? AND user_id = ?",
                row.value.key_id, row.value.blob, row.row, row.user));
  });
}

result<bytes> sqlite_store::find_value(std::string_view name) {
  return read([&](connection& c) {
    return select_one(
        c, "SELECT value FROM server_values WHERE name = ?",
        [](const query& q) { return q.blob(0); }, name);
  });
}

result<bytes> sqlite_store::put_value_if_absent(std::string_view name,
                                                byte_view value) {
  // INSERT OR IGNORE then SELECT in one transaction: every racer reads the
  // value the first one stored.
  return write(durability::full, [&](connection& c) -> result<bytes> {
    if (auto inserted = execute(
            c,
            "INSERT OR IGNORE INTO server_values (name, value) VALUES (?, ?)",
            name, value);
        !inserted) {
      return inserted.error();
    }
    return select_one(
        c, "SELECT value FROM server_values WHERE name = ?",
        [](const query& q) { return q.blob(0); }, name);
  });
}

result<void> sqlite_store::set_value(std::string_view name, byte_view value) {
  return write(durability::full, [&](connection& c) -> result<void> {
    if (auto done = execute(c,
                            "INSERT INTO server_values (name, value) VALUES "
                            "(?, ?) ON CONFLICT (name) DO UPDATE SET value = "
                            "excluded.value",
                            name, value);
        !done) {
      return done.error();
    }
    return {};
  });
}

result<std::vector<std::pair<std::string, bytes>>> sqlite_store::list_values(
    std::string_view prefix) {
  // A range on the primary key rather than LIKE, which would read % and _
  // in the prefix as patterns.
  const std::string low(prefix);
  const std::string high = low + "\xff";
  return read([&](connection& c) {
    return select_all(
        c,
        "SELECT name, value FROM server_values WHERE name >= ? AND name < ? "
        "ORDER BY name",
        [](const query& q) { return std::pair(q.text(0), q.blob(1)); }, low,
        high);
  });
}

result<void> sqlite_store::delete_value(std::string_view name) {
  return write(durability::full, [&](connection& c) {
    return changed_one(
        execute(c, "DELETE FROM server_values WHERE name = ?", name));
  });
}

}  // namespace storage::sqlite
