#include "storage/sqlite.hpp"

#include <climits>

namespace storage::sqlite {

errc to_errc(int code) noexcept {
  switch (code & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
      return errc::ok;
    case SQLITE_CONSTRAINT:
      // A foreign key that points nowhere means the parent row (a user) is
      // missing; any other constraint here is a unique key already taken.
      return code == SQLITE_CONSTRAINT_FOREIGNKEY ? errc::not_found
                                                  : errc::already_exists;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return errc::busy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return errc::database_corrupt;
    default:
      return errc::io_failed;
  }
}

int query::run() noexcept {
  const int rc = step();
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

bool query::is_null(int column) const noexcept {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t query::integer(int column) const noexcept {
  return sqlite3_column_int64(stmt_, column);
}

std::string query::text(int column) const {
  const auto* data = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) {
    return {};
  }
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

common::bytes query::blob(int column) const {
  const auto* data =
      static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) {
    return {};
  }
  return {data, data + size};
}

std::optional<std::int64_t> query::optional_integer(int column) const noexcept {
  if (is_null(column)) {
    return std::nullopt;
  }
  return integer(column);
}

std::optional<std::string> query::optional_text(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  return text(column);
}

int query::bind_one(int index, std::int64_t value) noexcept {
  return sqlite3_bind_int64(stmt_, index, value);
}

// SQLITE_TRANSIENT copies the value, so a temporary passed to bind() may
// end before step() runs.
int query::bind_one(int index, std::string_view value) noexcept {
  if (value.size() > static_cast<std::size_t>(INT_MAX)) {
    return SQLITE_TOOBIG;
  }
  return sqlite3_bind_text(stmt_, index, value.data(),
                           static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

int query::bind_one(int index, common::byte_view value) noexcept {
  if (value.size() > static_cast<std::size_t>(INT_MAX)) {
    return SQLITE_TOOBIG;
  }
  // A zero-length blob, not NULL: columns holding bytes are NOT NULL.
  return sqlite3_bind_blob(
      stmt_, index, value.empty() ? static_cast<const void*>("") : value.data(),
      static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

int query::bind_one(int index, std::nullopt_t) noexcept {
  return sqlite3_bind_null(stmt_, index);
}

int connection::open(const std::string& path, int flags, connection& out,
                     std::string& message) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_ptr db(raw);
  if (rc != SQLITE_OK) {
    message = db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
    return rc;
  }
  sqlite3_extended_result_codes(db.get(), 1);
  out.cache_.clear();
  out.db_ = std::move(db);
  return SQLITE_OK;
}

sqlite3_stmt* connection::prepare(std::string_view sql, int& rc) {
  if (const auto found = cache_.find(sql); found != cache_.end()) {
    rc = SQLITE_OK;
    return found->second.get();
  }
  sqlite3_stmt* raw = nullptr;
  rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                          SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  stmt_ptr stmt(raw);
  if (rc != SQLITE_OK) {
    return nullptr;
  }
  sqlite3_stmt* const result = stmt.get();
  cache_.emplace(sql, std::move(stmt));
  return result;
}

int connection::exec(const char* sql) noexcept {
  return sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
}

int connection::run(std::string_view sql) {
  int rc = SQLITE_OK;
  sqlite3_stmt* const stmt = prepare(sql, rc);
  if (stmt == nullptr) {
    return rc;
  }
  return query(stmt).run();
}

std::string connection::last_message() const {
  return db_ ? sqlite3_errmsg(db_.get()) : "no connection";
}

int query_integer(connection& c, const char* sql, std::int64_t& value) {
  int rc = SQLITE_OK;
  sqlite3_stmt* const stmt = c.prepare(sql, rc);
  if (stmt == nullptr) {
    return rc;
  }
  query q(stmt);
  rc = q.step();
  if (rc == SQLITE_ROW) {
    value = q.integer(0);
    return SQLITE_OK;
  }
  return rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc;
}

}  // namespace storage::sqlite
