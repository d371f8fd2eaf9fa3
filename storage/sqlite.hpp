// Owners of SQLite's C handles, and a small helper to bind, step and read
// prepared statements. Private to storage/ (and its tests): nothing above
// the storage layer sees a sqlite3 type.
//
// Not thread-safe: a connection and its statements belong to one thread at
// a time (the store's pool hands each connection to one caller at once).
// Nothing here throws; failures come back as SQLite result codes, which
// `to_errc` maps to storage::errc.
#pragma once

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "storage/error.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace storage::sqlite {

struct db_closer {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;
struct backup_finisher {
  void operator()(sqlite3_backup* b) const noexcept {
    sqlite3_backup_finish(b);
  }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;
using backup_ptr = std::unique_ptr<sqlite3_backup, backup_finisher>;

// Times are stored as integer milliseconds since the epoch.
inline std::int64_t to_ms(common::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             t.time_since_epoch())
      .count();
}
inline common::time_point from_ms(std::int64_t ms) noexcept {
  return common::time_point(
      std::chrono::duration_cast<common::time_point::duration>(
          std::chrono::milliseconds(ms)));
}

// The storage error for a SQLite result code: constraint violations are
// already_exists (or not_found for a missing parent row), locks are busy,
// damaged or foreign files database_corrupt, anything else io_failed.
errc to_errc(int code) noexcept;
inline common::error_code to_error(int code) noexcept {
  return make_error_code(to_errc(code));
}

// One use of a prepared statement: binds parameters (1-based, in order),
// steps, reads columns, and resets the statement when it goes out of
// scope so that the cache can hand it out again.
class query {
 public:
  explicit query(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  query(const query&) = delete;
  query& operator=(const query&) = delete;
  ~query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  // Binds every argument in order; returns the first SQLite error.
  template <class... Args>
  int bind(const Args&... args) {
    [[maybe_unused]] int index = 0;
    int rc = SQLITE_OK;
    ((rc = rc == SQLITE_OK ? bind_one(++index, args) : rc), ...);
    return rc;
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() noexcept { return sqlite3_step(stmt_); }

  // Steps a statement that returns no rows; SQLITE_DONE becomes SQLITE_OK.
  int run() noexcept;

  bool is_null(int column) const noexcept;
  std::int64_t integer(int column) const noexcept;
  std::string text(int column) const;
  common::bytes blob(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const noexcept;
  std::optional<std::string> optional_text(int column) const;

 private:
  int bind_one(int index, std::int64_t value) noexcept;
  int bind_one(int index, int value) noexcept {
    return bind_one(index, std::int64_t{value});
  }
  int bind_one(int index, std::uint32_t value) noexcept {
    return bind_one(index, std::int64_t{value});
  }
  int bind_one(int index, bool value) noexcept {
    return bind_one(index, std::int64_t{value ? 1 : 0});
  }
  int bind_one(int index, std::string_view value) noexcept;
  int bind_one(int index, const std::string& value) noexcept {
    return bind_one(index, std::string_view(value));
  }
  int bind_one(int index, const char* value) noexcept {
    return bind_one(index, std::string_view(value));
  }
  int bind_one(int index, common::byte_view value) noexcept;
  int bind_one(int index, const common::bytes& value) noexcept {
    return bind_one(index, common::byte_view(value));
  }
  int bind_one(int index, std::nullopt_t) noexcept;
  template <class T>
  int bind_one(int index, const std::optional<T>& value) noexcept {
    return value ? bind_one(index, *value) : bind_one(index, std::nullopt);
  }

  sqlite3_stmt* stmt_;
};

// A connection with its prepared statements, cached by SQL text. The SQL
// given to `prepare` must outlive the connection (string literals do).
class connection {
 public:
  // Opens `path` with the given sqlite3_open_v2 flags. On failure returns
  // the SQLite code and leaves `message` saying why.
  static int open(const std::string& path, int flags, connection& out,
                  std::string& message);

  sqlite3* handle() const noexcept { return db_.get(); }

  // The cached statement for `sql`, prepared on first use. Returns nullptr
  // and sets `rc` when SQLite refuses it.
  sqlite3_stmt* prepare(std::string_view sql, int& rc);

  // Runs one or more statements that return no rows (schema scripts),
  // parsed anew each time.
  int exec(const char* sql) noexcept;

  // Runs one cached statement that returns no rows (transaction control,
  // pragmas).
  int run(std::string_view sql);

  // The text of the last error on this connection, for operators' logs.
  std::string last_message() const;

 private:
  db_ptr db_;
  std::unordered_map<std::string_view, stmt_ptr> cache_;
};

// Runs a statement that returns no rows; gives the number of rows changed.
template <class... Args>
result<int> execute(connection& c, std::string_view sql, const Args&... args) {
  int rc = SQLITE_OK;
  sqlite3_stmt* const stmt = c.prepare(sql, rc);
  if (stmt == nullptr) {
    return to_error(rc);
  }
  query q(stmt);
  if (rc = q.bind(args...); rc != SQLITE_OK) {
    return to_error(rc);
  }
  if (rc = q.run(); rc != SQLITE_OK) {
    return to_error(rc);
  }
  return sqlite3_changes(c.handle());
}

// The first row of a query, through `read(const query&)`; not_found when
// there is none.
template <class Read, class... Args>
auto select_one(connection& c, std::string_view sql, Read read,
                const Args&... args)
    -> result<decltype(read(std::declval<const query&>()))> {
  int rc = SQLITE_OK;
  sqlite3_stmt* const stmt = c.prepare(sql, rc);
  if (stmt == nullptr) {
    return to_error(rc);
  }
  query q(stmt);
  if (rc = q.bind(args...); rc != SQLITE_OK) {
    return to_error(rc);
  }
  rc = q.step();
  if (rc == SQLITE_DONE) {
    return make_error_code(errc::not_found);
  }
  if (rc != SQLITE_ROW) {
    return to_error(rc);
  }
  auto row = read(q);
  // Statements with RETURNING finish their writes only when stepped to the
  // end.
  while ((rc = q.step()) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) {
    return to_error(rc);
  }
  return row;
}

// Every row of a query, through `read(const query&)`.
template <class Read, class... Args>
auto select_all(connection& c, std::string_view sql, Read read,
                const Args&... args)
    -> result<std::vector<decltype(read(std::declval<const query&>()))>> {
  int rc = SQLITE_OK;
  sqlite3_stmt* const stmt = c.prepare(sql, rc);
  if (stmt == nullptr) {
    return to_error(rc);
  }
  query q(stmt);
  if (rc = q.bind(args...); rc != SQLITE_OK) {
    return to_error(rc);
  }
  std::vector<decltype(read(std::declval<const query&>()))> rows;
  while ((rc = q.step()) == SQLITE_ROW) {
    rows.push_back(read(q));
  }
  if (rc != SQLITE_DONE) {
    return to_error(rc);
  }
  return rows;
}

// Reads a single integer from a statement such as "PRAGMA user_version".
// Returns the SQLite code; `value` is set on success.
int query_integer(connection& c, const char* sql, std::int64_t& value);

}  // namespace storage::sqlite
