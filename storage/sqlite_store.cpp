// The SQLite store: its connection pool, users and credentials. The other
// operations are in sqlite_state.cpp, opening and migrating in
// sqlite_open.cpp.
#include "storage/sqlite_store_impl.hpp"

#include <nlohmann/json.hpp>

namespace storage::sqlite {

int open_configured(const std::string& path,
                    std::chrono::milliseconds busy_timeout, bool create,
                    pooled_connection& out, std::string& message) {
  // NOMUTEX: the pool gives a connection to one thread at a time, so
  // SQLite's own per-connection lock would only cost time.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                    SQLITE_OPEN_EXRESCODE | (create ? SQLITE_OPEN_CREATE : 0);
  if (const int rc = connection::open(path, flags, out.db, message);
      rc != SQLITE_OK) {
    return rc;
  }
  sqlite3_busy_timeout(out.db.handle(), static_cast<int>(busy_timeout.count()));
  // The schema is ours, so nothing in it needs to run with trust. The page
  // cache holds the upper levels of the credential b-trees at any size. No
  // memory map: under a sign-in load, remapping after the file changed
  // cost more than the reads it saved (docs/storage.md).
  const int rc = out.db.exec(
      "PRAGMA foreign_keys = ON;"
      "PRAGMA trusted_schema = OFF;"
      "PRAGMA synchronous = NORMAL;"
      "PRAGMA cache_size = -16384;"
      "PRAGMA mmap_size = 0;"
      "PRAGMA journal_size_limit = 67108864;");
  if (rc != SQLITE_OK) {
    message = out.db.last_message();
    return rc;
  }
  out.mode = durability::normal;
  return SQLITE_OK;
}

checkpointer::checkpointer(std::string path,
                           std::chrono::milliseconds busy_timeout)
    : path_(std::move(path)),
      busy_timeout_(busy_timeout),
      thread_([this] { run(); }) {}

checkpointer::~checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void checkpointer::watch(connection& c) noexcept {
  sqlite3_wal_hook(c.handle(), &checkpointer::on_commit, this);
}

int checkpointer::on_commit(void* self, sqlite3* db, const char*,
                            int frames) noexcept {
  if (frames >= kForceFrames) {
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                              nullptr);
  } else if (frames >= kDueFrames) {
    auto* const me = static_cast<checkpointer*>(self);
    {
      std::lock_guard lock(me->mutex_);
      me->due_ = true;
    }
    me->wake_.notify_one();
  }
  return SQLITE_OK;
}

void checkpointer::run() {
  pooled_connection c;
  std::string message;
  bool opened = false;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return due_ || stop_; });
    if (stop_) {
      return;
    }
    due_ = false;
    lock.unlock();
    // PASSIVE: copy what no reader still needs, never block a writer. A
    // checkpoint that fails is retried at the next commit.
    if (!opened) {
      opened =
          open_configured(path_, busy_timeout_, false, c, message) == SQLITE_OK;
    }
    if (opened) {
      sqlite3_wal_checkpoint_v2(c.db.handle(), nullptr,
                                SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    lock.lock();
  }
}

connection_pool::lease::~lease() {
  if (connection_ != nullptr) {
    pool_->give_back(std::move(connection_));
  }
}

result<connection_pool::lease> connection_pool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return lease(*this, std::move(c));
    }
  }
  auto c = std::make_unique<pooled_connection>();
  std::string message;
  if (const int rc = open_configured(path_, busy_timeout_, false, *c, message);
      rc != SQLITE_OK) {
    return to_error(rc);
  }
  checkpoints_->watch(c->db);
  return lease(*this, std::move(c));
}

void connection_pool::give_back(std::unique_ptr<pooled_connection> c) {
  // A connection still inside a transaction (a failed ROLLBACK) would hold
  // the write lock: close it rather than lend it out again.
  if (sqlite3_get_autocommit(c->db.handle()) == 0) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdle) {
    idle_.push_back(std::move(c));
  }
}

int sqlite_store::set_durability(pooled_connection& c, durability mode) {
  if (c.mode == mode) {
    return SQLITE_OK;
  }
  const int rc =
      c.db.run(mode == durability::full ? "PRAGMA synchronous = FULL"
                                        : "PRAGMA synchronous = NORMAL");
  if (rc == SQLITE_OK) {
    c.mode = mode;
  }
  return rc;
}

namespace {

user read_user(const query& q) {
  user u;
  u.id = q.integer(0);
  u.handle = q.blob(1);
  u.username = q.text(2);
  u.display_name = q.text(3);
  u.password_hash = q.optional_text(4);
  u.policy_state = q.text(5);
  u.created_at = from_ms(q.integer(6));
  u.disabled = q.integer(7) != 0;
  return u;
}

std::string transports_to_text(const std::vector<std::string>& transports) {
  return nlohmann::json(transports).dump();
}

std::vector<std::string> transports_from_text(const std::string& text) {
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!parsed.is_array()) {
    return out;
  }
  for (const auto& item : parsed) {
    if (item.is_string()) {
      out.push_back(item.get<std::string>());
    }
  }
  return out;
}

credential read_credential(const query& q) {
  credential c;
  c.id = q.blob(0);
  c.user = q.integer(1);
  c.public_key = q.blob(2);
  c.algorithm = static_cast<int>(q.integer(3));
  c.sign_count = static_cast<std::uint32_t>(q.integer(4));
  c.transports = transports_from_text(q.text(5));
  c.aaguid = q.blob(6);
  c.attestation_format = q.text(7);
  c.attestation_type = q.text(8);
  c.attestation_trusted = q.integer(9) != 0;
  c.attestation_object = q.blob(10);
  c.backup_eligible = q.integer(11) != 0;
  c.backup_state = q.integer(12) != 0;
  c.uv_initialized = q.integer(13) != 0;
  c.nickname = q.text(14);
  c.created_at = from_ms(q.integer(15));
  if (const auto used = q.optional_integer(16)) {
    c.last_used_at = from_ms(*used);
  }
  c.possibly_cloned = q.integer(17) != 0;
  c.suspended = q.integer(18) != 0;
  c.suspended_reason = q.text(19);
  return c;
}

result<user> user_by_id(connection& c, user_id id) {
  return select_one(c,
                    "SELECT id, handle, username, display_name, "
                    "password_hash, policy_state, created_at, disabled "
                    "FROM users WHERE id = ?",
                    read_user, id);
}

result<user> user_by_name(connection& c, std::string_view username) {
  return select_one(c,
                    "SELECT id, handle, username, display_name, "
                    "password_hash, policy_state, created_at, disabled "
                    "FROM users WHERE username = ?",
                    read_user, username);
}

result<credential> credential_by_id(connection& c, byte_view id) {
  return select_one(
      c,
      "SELECT id, user_id, public_key, algorithm, sign_count, transports, "
      "aaguid, attestation_format, attestation_type, attestation_trusted, "
      "attestation_object, backup_eligible, backup_state, uv_initialized, "
      "nickname, created_at, last_used_at, possibly_cloned, suspended, "
      "suspended_reason FROM credentials WHERE id = ?",
      read_credential, id);
}

result<std::vector<credential>> credentials_of(connection& c, user_id user) {
  return select_all(
      c,
      "SELECT id, user_id, public_key, algorithm, sign_count, transports, "
      "aaguid, attestation_format, attestation_type, attestation_trusted, "
      "attestation_object, backup_eligible, backup_state, uv_initialized, "
      "nickname, created_at, last_used_at, possibly_cloned, suspended, "
      "suspended_reason FROM credentials WHERE user_id = ? "
      "ORDER BY created_at, rowid",
      read_credential, user);
}

// An update that touched no row: the row is missing.
result<void> changed_one(const result<int>& changes) {
  if (!changes) {
    return changes.error();
  }
  if (*changes == 0) {
    return make_error_code(errc::not_found);
  }
  return {};
}

}  // namespace

result<user> sqlite_store::create_user(const new_user& u, time_point now) {
  return write(durability::full, [&](connection& c) -> result<user> {
    const auto inserted = execute(
        c,
        "INSERT INTO users (handle, username, display_name, password_hash, "
        "policy_state, created_at) VALUES (?, ?, ?, ?, '', ?)",
        u.handle, u.username, u.display_name, u.password_hash, to_ms(now));
    if (!inserted) {
      return inserted.error();
    }
    user out;
    out.id = sqlite3_last_insert_rowid(c.handle());
    out.handle = u.handle;
    out.username = u.username;
    out.display_name = u.display_name;
    out.password_hash = u.password_hash;
    out.created_at = from_ms(to_ms(now));
    return out;
  });
}

result<user> sqlite_store::find_user(user_id id) {
  return read([&](connection& c) { return user_by_id(c, id); });
}

result<user> sqlite_store::find_user_by_name(std::string_view username) {
  return read([&](connection& c) { return user_by_name(c, username); });
}

result<user> sqlite_store::find_user_by_handle(byte_view handle) {
  return read([&](connection& c) {
    return select_one(c,
                      "SELECT id, handle, username, display_name, "
                      "password_hash, policy_state, created_at, disabled "
                      "FROM users WHERE handle = ?",
                      read_user, handle);
  });
}

result<void> sqlite_store::set_password_hash(user_id id,
                                             const std::string& hash) {
  return write(durability::full, [&](connection& c) {
    return changed_one(execute(
        c, "UPDATE users SET password_hash = ? WHERE id = ?", hash, id));
  });
}

result<void> sqlite_store::set_policy_state(user_id id,
                                            const std::string& state) {
  return write(durability::full, [&](connection& c) {
    return changed_one(execute(
        c, "UPDATE users SET policy_state = ? WHERE id = ?", state, id));
  });
}

result<void> sqlite_store::delete_user(user_id id) {
  // ON DELETE CASCADE removes credentials, ceremonies, sessions, TOTP
  // enrollments and recovery codes; audit events have no foreign key.
  return write(durability::full, [&](connection& c) {
    return changed_one(execute(c, "DELETE FROM users WHERE id = ?", id));
  });
}

result<std::vector<user>> sqlite_store::list_users(user_id after,
                                                   std::size_t limit) {
  return read([&](connection& c) {
    return select_all(c,
                      "SELECT id, handle, username, display_name, "
                      "password_hash, policy_state, created_at, disabled "
                      "FROM users WHERE id > ? ORDER BY id LIMIT ?",
                      read_user, after, static_cast<std::int64_t>(limit));
  });
}

result<void> sqlite_store::set_disabled(user_id id, bool disabled) {
  return write(durability::full, [&](connection& c) {
    return changed_one(
        execute(c, "UPDATE users SET disabled = ? WHERE id = ?", disabled, id));
  });
}

result<void> sqlite_store::add_credential(const credential& cr) {
  // The primary key decides a race between two registrations of one id:
  // the second insert fails with a constraint error, mapped to
  // already_exists; a missing user fails the foreign key (not_found).
  return write(durability::full, [&](connection& c) -> result<void> {
    const auto inserted = execute(
        c,
        "INSERT INTO credentials (id, user_id, public_key, algorithm, "
        "sign_count, transports, aaguid, attestation_format, "
        "attestation_type, attestation_trusted, attestation_object, "
        "backup_eligible, backup_state, uv_initialized, nickname, "
        "created_at, last_used_at, possibly_cloned, suspended, "
        "suspended_reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        cr.id, cr.user, cr.public_key, cr.algorithm, cr.sign_count,
        transports_to_text(cr.transports), cr.aaguid, cr.attestation_format,
        cr.attestation_type, cr.attestation_trusted, cr.attestation_object,
        cr.backup_eligible, cr.backup_state, cr.uv_initialized, cr.nickname,
        to_ms(cr.created_at),
        cr.last_used_at ? std::optional(to_ms(*cr.last_used_at)) : std::nullopt,
        cr.possibly_cloned, cr.suspended, cr.suspended_reason);
    if (!inserted) {
      return inserted.error();
    }
    return {};
  });
}

result<credential> sqlite_store::find_credential(byte_view id) {
  return read([&](connection& c) { return credential_by_id(c, id); });
}

result<std::vector<credential>> sqlite_store::list_credentials(user_id user) {
  return read([&](connection& c) { return credentials_of(c, user); });
}

namespace {

result<user_credentials> with_credentials(connection& c, result<user> owner) {
  if (!owner) {
    return owner.error();
  }
  auto credentials = credentials_of(c, owner->id);
  if (!credentials) {
    return credentials.error();
  }
  return user_credentials{std::move(*owner), std::move(*credentials)};
}

}  // namespace

result<user_credentials> sqlite_store::find_user_credentials(
    std::string_view username) {
  return read_together([&](connection& c) {
    return with_credentials(c, user_by_name(c, username));
  });
}

result<user_credentials> sqlite_store::find_user_credentials(user_id id) {
  return read_together(
      [&](connection& c) { return with_credentials(c, user_by_id(c, id)); });
}

namespace {

// A ceremony made from what was read (or from the failed read), stored in
// the same transaction. A failed read stays the maker's to judge; a maker
// that fails rolls the transaction back.
result<void> insert_made_ceremony(connection& c,
                                  const result<user_credentials>& found,
                                  const store::ceremony_maker& make) {
  auto made = make(found);
  if (!made) {
    return made.error();
  }
  return insert_ceremony(c, *made);
}

}  // namespace

result<void> sqlite_store::put_sign_in_ceremony(std::string_view username,
                                                const ceremony_maker& make) {
  return write(durability::normal, [&](connection& c) {
    return insert_made_ceremony(
        c, with_credentials(c, user_by_name(c, username)), make);
  });
}

result<void> sqlite_store::put_sign_in_ceremony(user_id id,
                                                const ceremony_maker& make) {
  return write(durability::normal, [&](connection& c) {
    return insert_made_ceremony(c, with_credentials(c, user_by_id(c, id)),
                                make);
  });
}

result<owned_credential> owned_credential_of(connection& c, byte_view id) {
  auto key = credential_by_id(c, id);
  if (!key) {
    return key.error();
  }
  auto owner = user_by_id(c, key->user);
  if (!owner) {
    return owner.error();
  }
  return owned_credential{std::move(*key), std::move(*owner)};
}

result<owned_credential> sqlite_store::find_owned_credential(byte_view id) {
  return read_together(
      [&](connection& c) { return owned_credential_of(c, id); });
}

result<std::vector<credential>> sqlite_store::list_all_credentials(
    byte_view after, std::size_t limit) {
  return read([&](connection& c) {
    return select_all(
        c,
        "SELECT id, user_id, public_key, algorithm, sign_count, transports, "
        "aaguid, attestation_format, attestation_type, attestation_trusted, "
        "attestation_object, backup_eligible, backup_state, uv_initialized, "
        "nickname, created_at, last_used_at, possibly_cloned, suspended, "
        "suspended_reason FROM credentials WHERE id > ? ORDER BY id LIMIT ?",
        read_credential, after, static_cast<std::int64_t>(limit));
  });
}

result<void> raise_counter(connection& c, byte_view id,
                           const sign_in_update& update) {
  // One conditional UPDATE decides: of two racing sign-ins, the one with
  // the lower counter changes nothing. A second statement only tells a
  // missing credential from a refused counter.
  const auto changed =
      execute(c,
              "UPDATE credentials SET sign_count = ?1, backup_state = ?2, "
              "last_used_at = ?3 WHERE id = ?4 "
              "AND (sign_count < ?1 OR (sign_count = 0 AND ?1 = 0))",
              update.sign_count, update.backup_state, to_ms(update.at), id);
  if (!changed) {
    return changed.error();
  }
  if (*changed == 1) {
    return {};
  }
  const auto exists = select_one(
      c, "SELECT 1 FROM credentials WHERE id = ?",
      [](const query&) { return 1; }, id);
  if (!exists) {
    return exists.error();
  }
  return make_error_code(errc::counter_regressed);
}

result<void> sqlite_store::record_sign_in(byte_view id,
                                          const sign_in_update& update) {
  return write(durability::normal,
               [&](connection& c) { return raise_counter(c, id, update); });
}

result<void> sqlite_store::flag_possibly_cloned(byte_view id) {
  return write(durability::full, [&](connection& c) {
    return changed_one(execute(
        c, "UPDATE credentials SET possibly_cloned = 1 WHERE id = ?", id));
  });
}

result<void> sqlite_store::set_suspended(byte_view id, bool suspended,
                                         const std::string& reason) {
  return write(durability::full, [&](connection& c) {
    return changed_one(execute(c,
                               "UPDATE credentials SET suspended = ?, "
                               "suspended_reason = ? WHERE id = ?",
                               suspended, suspended ? reason : std::string(),
                               id));
  });
}

result<void> sqlite_store::rename_credential(user_id user, byte_view id,
                                             const std::string& nickname) {
  return write(durability::full, [&](connection& c) {
    return changed_one(execute(
        c, "UPDATE credentials SET nickname = ? WHERE id = ? AND user_id = ?",
        nickname, id, user));
  });
}

result<void> sqlite_store::remove_credential(user_id user, byte_view id) {
  return write(durability::full, [&](connection& c) {
    return changed_one(execute(
        c, "DELETE FROM credentials WHERE id = ? AND user_id = ?", id, user));
  });
}

}  // namespace storage::sqlite
