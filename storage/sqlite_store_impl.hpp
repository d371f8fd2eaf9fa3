// The SQLite store's class, shared by the files that implement its
// operations. Private to storage/.
//
// Thread-safe: every read and write of this process runs on one
// connection, in turn, under one timed mutex, so callers wait in line
// rather than polling SQLite's lock (other processes still meet the busy
// timeout); a background thread runs the WAL checkpoints on its own.
#pragma once

#include "storage/sqlite.hpp"
#include "storage/sqlite_store.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace storage::sqlite {

// How hard a commit waits for the disk. `full` syncs the WAL before the
// commit returns (survives power loss); `normal` only writes it (survives a
// process crash; the last commits may be lost on power loss).
enum class durability { normal, full };

struct pooled_connection {
  connection db;
  durability mode = durability::normal;
};

// Opens a connection with the settings every connection needs: foreign
// keys, busy timeout, synchronous=NORMAL, a page cache and untrusted schema.
// `create` lets it create a missing file.
int open_configured(const std::string& path,
                    std::chrono::milliseconds busy_timeout, bool create,
                    pooled_connection& out, std::string& message);

// Copies the WAL back into the database file on a thread of its own, so
// that no request waits for that write-back and its fsync: with a large
// database, each checkpoint writes as many scattered pages as there were
// commits. Every pooled connection reports its commits through SQLite's
// WAL hook (which also turns off SQLite's own automatic checkpoints).
class checkpointer {
 public:
  checkpointer(std::string path, std::chrono::milliseconds busy_timeout);
  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;
  ~checkpointer();  // stops the thread and waits for it

  // Makes `c` report its commits here.
  void watch(connection& c) noexcept;

 private:
  // A checkpoint is due once the WAL holds this many frames (32 MiB of 4
  // KiB pages): each checkpoint syncs two files and may remap the memory
  // map, so under a sign-in load rarer ones cost far less. Past the second
  // limit, a committing thread checkpoints itself, so the WAL cannot grow
  // without bound if this thread lags.
  static constexpr int kDueFrames = 8000;
  static constexpr int kForceFrames = 40000;

  static int on_commit(void* self, sqlite3* db, const char* name,
                       int frames) noexcept;
  void run();

  std::string path_;
  std::chrono::milliseconds busy_timeout_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stop_ = false;
  std::thread thread_;
};

// Where the store's one connection comes from: the pool keeps the
// connection that opened and migrated the database (sqlite_store::adopt)
// and opens a fresh one, configured and watched by the checkpointer, when
// the store has none or had to drop its own.
class connection_pool {
 public:
  connection_pool(std::string path, std::chrono::milliseconds busy_timeout,
                  checkpointer& checkpoints)
      : path_(std::move(path)),
        busy_timeout_(busy_timeout),
        checkpoints_(&checkpoints) {}

  // A connection lent to one caller; goes back to the pool when the lease
  // ends, unless it was left inside a transaction.
  class lease {
   public:
    lease(connection_pool& pool, std::unique_ptr<pooled_connection> c)
        : pool_(&pool), connection_(std::move(c)) {}
    lease(lease&& other) noexcept = default;
    lease& operator=(lease&&) = delete;
    ~lease();
    friend class connection_pool;
    pooled_connection& operator*() const noexcept { return *connection_; }
    pooled_connection* operator->() const noexcept { return connection_.get(); }

   private:
    connection_pool* pool_;
    std::unique_ptr<pooled_connection> connection_;
  };

  result<lease> acquire();
  void give_back(std::unique_ptr<pooled_connection> c);
  // Takes the connection out of the pool for good (the store's own).
  static std::unique_ptr<pooled_connection> keep(lease&& l) noexcept {
    return std::move(l.connection_);
  }

 private:
  // Connections beyond this many idle ones are closed when returned.
  static constexpr std::size_t kMaxIdle = 16;

  std::string path_;
  std::chrono::milliseconds busy_timeout_;
  checkpointer* checkpoints_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<pooled_connection>> idle_;
};

// Statements that more than one operation runs inside its transaction.
result<void> insert_ceremony(connection& c, const ceremony& cr);
result<void> raise_counter(connection& c, byte_view id,
                           const sign_in_update& update);
result<void> insert_session(connection& c, const session& s);
result<std::int64_t> insert_audit(connection& c, const audit_event& e);
result<owned_credential> owned_credential_of(connection& c, byte_view id);

class sqlite_store final : public store {
 public:
  sqlite_store(const std::string& path, std::chrono::milliseconds busy_timeout)
      : checkpoints_(path, busy_timeout),
        pool_(path, busy_timeout, checkpoints_),
        busy_timeout_(busy_timeout) {}

  result<user> create_user(const new_user& u, time_point now) override;
  result<user> find_user(user_id id) override;
  result<user> find_user_by_name(std::string_view username) override;
  result<user> find_user_by_handle(byte_view handle) override;
  result<void> set_password_hash(user_id id, const std::string& hash) override;
  result<void> set_policy_state(user_id id, const std::string& state) override;
  result<void> delete_user(user_id id) override;
  result<void> set_disabled(user_id id, bool disabled) override;
  result<std::vector<user>> list_users(user_id after,
                                       std::size_t limit) override;

  result<void> add_credential(const credential& c) override;
  result<credential> find_credential(byte_view id) override;
  result<std::vector<credential>> list_credentials(user_id user) override;
  result<user_credentials> find_user_credentials(
      std::string_view username) override;
  result<user_credentials> find_user_credentials(user_id id) override;
  result<owned_credential> find_owned_credential(byte_view id) override;
  result<void> put_sign_in_ceremony(std::string_view username,
                                    const ceremony_maker& make) override;
  result<void> put_sign_in_ceremony(user_id id,
                                    const ceremony_maker& make) override;
  result<void> record_sign_in(byte_view id,
                              const sign_in_update& update) override;
  result<void> flag_possibly_cloned(byte_view id) override;
  result<void> set_suspended(byte_view id, bool suspended,
                             const std::string& reason) override;
  result<std::vector<credential>> list_all_credentials(
      byte_view after, std::size_t limit) override;
  result<void> rename_credential(user_id user, byte_view id,
                                 const std::string& nickname) override;
  result<void> remove_credential(user_id user, byte_view id) override;

  result<void> put_ceremony(const ceremony& c) override;
  result<ceremony> take_ceremony(byte_view handle_hash,
                                 time_point now) override;
  result<void> put_sole_ceremony(const ceremony& c) override;
  result<ceremony> peek_ceremony(byte_view handle_hash,
                                 time_point now) override;
  sign_in_reads find_sign_in(byte_view handle_hash, time_point now,
                             byte_view credential_id) override;

  result<void> put_session(const session& s) override;
  result<session> find_session(byte_view token_hash, time_point now) override;
  result<void> touch_session(byte_view token_hash, time_point now) override;
  result<void> delete_session(byte_view token_hash) override;
  result<std::vector<session>> list_sessions(user_id user,
                                             time_point now) override;
  result<void> delete_sessions(user_id user, byte_view keep) override;

  result<void> put_pending_totp(const totp_enrollment& e) override;
  result<totp_state> find_totp(user_id user) override;
  result<void> confirm_totp(user_id user, std::int64_t step) override;
  result<void> accept_totp_step(user_id user, std::int64_t step) override;
  result<void> delete_totp(user_id user) override;

  result<void> replace_recovery_codes(
      user_id user, const std::vector<recovery_code>& codes) override;
  result<recovery_code> find_recovery_code(user_id user,
                                           std::string_view lookup_id) override;
  result<void> use_recovery_code(user_id user, std::string_view lookup_id,
                                 time_point now) override;
  result<std::size_t> count_unused_recovery_codes(user_id user) override;

  result<rate_limit> record_failure(const std::string& key, time_point now,
                                    std::chrono::seconds window) override;
  result<rate_limit> find_rate_limit(const std::string& key) override;
  result<void> lock_until(const std::string& key, time_point until) override;
  result<void> clear_rate_limit(const std::string& key) override;

  result<std::int64_t> append_audit(const audit_event& e) override;
  result<void> commit_sign_in(const sign_in_commit& c) override;
  result<std::size_t> erase_audit_details(user_id user) override;
  result<std::size_t> forget_audit_addresses(time_point before) override;
  result<std::vector<audit_event>> list_audit(
      std::int64_t before, std::size_t limit,
      std::optional<user_id> user) override;

  result<bytes> find_value(std::string_view name) override;
  result<bytes> put_value_if_absent(std::string_view name,
                                    byte_view value) override;
  result<void> set_value(std::string_view name, byte_view value) override;
  result<std::vector<std::pair<std::string, bytes>>> list_values(
      std::string_view prefix) override;
  result<void> delete_value(std::string_view name) override;

  result<std::size_t> sweep(time_point now) override;

  result<std::vector<sealed_row>> list_sealed() override;
  result<void> replace_sealed(const sealed_row& row) override;

  // Hands the connection that opened and migrated the database to the pool.
  void adopt(std::unique_ptr<pooled_connection> c) {
    checkpoints_.watch(c->db);
    pool_.give_back(std::move(c));
  }

 private:
  // Runs `body(pooled_connection&)` on the one connection, under the lock
  // (busy when it stays taken past the busy timeout). One connection for
  // reads too: its page cache then holds what it wrote last, where a
  // second connection would drop its whole cache at every commit of the
  // first and read each page back from the WAL (docs/storage.md).
  template <class Body>
  auto locked(Body&& body)
      -> decltype(body(std::declval<pooled_connection&>()));

  // Runs `body(connection&)` in one BEGIN IMMEDIATE transaction at the
  // given durability: committed when it returns a value, rolled back when
  // it returns an error.
  template <class Body>
  auto write(durability mode, Body&& body)
      -> decltype(body(std::declval<connection&>()));

  // Runs `body(connection&)` outside an explicit transaction: for single
  // statements that read.
  template <class Body>
  auto read(Body&& body) -> decltype(body(std::declval<connection&>()));

  // Runs `body(connection&)` in one read transaction: for reads of
  // several statements that must agree, and to take the database's locks
  // once rather than for every statement.
  template <class Body>
  auto read_together(Body&& body)
      -> decltype(body(std::declval<connection&>()));

  // Sets PRAGMA synchronous on `c` when it differs from `mode`.
  static int set_durability(pooled_connection& c, durability mode);

  // Declared before the pool: connections report to it until they close.
  checkpointer checkpoints_;
  connection_pool pool_;
  std::chrono::milliseconds busy_timeout_;
  std::timed_mutex mutex_;
  std::unique_ptr<pooled_connection> connection_;  // under mutex_
};

template <class Body>
auto sqlite_store::locked(Body&& body)
    -> decltype(body(std::declval<pooled_connection&>())) {
  std::unique_lock lock(mutex_, busy_timeout_);
  if (!lock.owns_lock()) {
    return make_error_code(errc::busy);
  }
  if (!connection_) {
    auto lease = pool_.acquire();
    if (!lease) {
      return lease.error();
    }
    connection_ = pool_.keep(std::move(*lease));
  }
  auto outcome = body(*connection_);
  // Left inside a transaction (a failed COMMIT and ROLLBACK), it would
  // hold its locks: a fresh connection takes over at the next call.
  if (sqlite3_get_autocommit(connection_->db.handle()) == 0) {
    connection_.reset();
  }
  return outcome;
}

template <class Body>
auto sqlite_store::write(durability mode, Body&& body)
    -> decltype(body(std::declval<connection&>())) {
  return locked([&](pooled_connection& c) -> decltype(body(c.db)) {
    if (const int rc = set_durability(c, mode); rc != SQLITE_OK) {
      return to_error(rc);
    }
    if (const int rc = c.db.run("BEGIN IMMEDIATE"); rc != SQLITE_OK) {
      return to_error(rc);
    }
    auto outcome = body(c.db);
    if (!outcome) {
      c.db.run("ROLLBACK");
      return outcome;
    }
    if (const int rc = c.db.run("COMMIT"); rc != SQLITE_OK) {
      c.db.run("ROLLBACK");
      return to_error(rc);
    }
    return outcome;
  });
}

template <class Body>
auto sqlite_store::read(Body&& body)
    -> decltype(body(std::declval<connection&>())) {
  return locked([&](pooled_connection& c) { return body(c.db); });
}

template <class Body>
auto sqlite_store::read_together(Body&& body)
    -> decltype(body(std::declval<connection&>())) {
  return locked([&](pooled_connection& c) -> decltype(body(c.db)) {
    if (const int rc = c.db.run("BEGIN"); rc != SQLITE_OK) {
      return to_error(rc);
    }
    auto outcome = body(c.db);
    // A read has nothing to undo: COMMIT only ends it.
    if (const int rc = c.db.run("COMMIT"); rc != SQLITE_OK) {
      c.db.run("ROLLBACK");
      if (outcome) {
        return to_error(rc);
      }
    }
    return outcome;
  });
}

}  // namespace storage::sqlite
