// Opening a SQLite database: refusing files that are not ours or are too
// new without writing to them, backing up before a migration, migrating,
// and the check and backup commands.
#include "storage/schema.hpp"
#include "storage/sqlite_store_impl.hpp"

#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace storage {
namespace {

using sqlite::connection;
using sqlite::pooled_connection;

open_error fail(errc code, std::string message) {
  return {make_error_code(code), std::move(message)};
}

open_error fail_sqlite(int rc, const std::string& what, const connection& c) {
  return {sqlite::to_error(rc), what + ": " + c.last_message()};
}

// Creates `path` empty and readable by its owner only, whatever the umask,
// unless it exists: SQLite gives its -wal and -shm files the database
// file's mode, and they hold the same hashes and sealed secrets. An empty
// file is a new database to SQLite.
open_result<void> create_private(const std::string& path) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return {};
    return fail(errc::io_failed, path + " cannot be created");
  }
  const bool private_mode = ::fchmod(fd, 0600) == 0;
  ::close(fd);
  if (!private_mode)
    return fail(errc::io_failed, path + " cannot be made private");
  return {};
}

// SQLite's own answer about a file that is not a database would come only
// at the first read; the 16-byte magic settles it without opening.
open_result<void> check_magic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(errc::io_failed, path + " cannot be read");
  }
  std::array<char, 16> magic{};
  in.read(magic.data(), magic.size());
  const auto got = in.gcount();
  if (got == 0) {
    return {};  // an empty file is an empty database
  }
  constexpr std::string_view kMagic("SQLite format 3\0", 16);
  if (got != 16 || std::string_view(magic.data(), 16) != kMagic) {
    return fail(errc::database_corrupt,
                path + " is not a SQLite database (its header is wrong)");
  }
  return {};
}

// Reads a schema-level integer, turning a damaged file into
// database_corrupt with the file named.
open_result<std::int64_t> read_integer(connection& c, const char* sql,
                                       const std::string& path) {
  std::int64_t value = 0;
  if (const int rc = sqlite::query_integer(c, sql, value); rc != SQLITE_OK) {
    return fail_sqlite(rc, path + " cannot be read", c);
  }
  return value;
}

// The schema version of a database that is Latchkey's or empty (0).
// Another application's database is database_corrupt, a newer Latchkey's
// database_too_new; both name the file.
open_result<std::int64_t> classify(connection& c, const std::string& path) {
  const auto app = read_integer(c, "PRAGMA application_id", path);
  const auto version = read_integer(c, "PRAGMA user_version", path);
  const auto tables =
      read_integer(c, "SELECT count(*) FROM sqlite_schema", path);
  if (!app || !version || !tables) {
    return !app ? app.error() : !version ? version.error() : tables.error();
  }
  if (*app == 0 && *version == 0 && *tables == 0) {
    return 0;
  }
  if (*app != schema::kApplicationId || *version < 1) {
    return fail(errc::database_corrupt,
                path +
                    " is a SQLite database of another application, not "
                    "Latchkey's (application_id " +
                    std::to_string(*app) + ", user_version " +
                    std::to_string(*version) + ")");
  }
  if (*version > schema::latest_version()) {
    return fail(errc::database_too_new,
                path + " has schema version " + std::to_string(*version) +
                    ", but this Latchkey knows versions up to " +
                    std::to_string(schema::latest_version()) +
                    "; run a newer Latchkey, or restore a backup");
  }
  return *version;
}

// Runs `pragma` (quick_check or integrity_check) and gives its first rows,
// "ok" when the file is sound.
open_result<std::string> run_check(connection& c, std::string_view pragma,
                                   const std::string& path) {
  int rc = SQLITE_OK;
  sqlite3_stmt* const stmt = c.prepare(pragma, rc);
  if (stmt == nullptr) {
    return fail_sqlite(rc, path + " cannot be checked", c);
  }
  sqlite::query q(stmt);
  std::string report;
  while ((rc = q.step()) == SQLITE_ROW) {
    report += (report.empty() ? "" : "; ") + q.text(0);
  }
  if (rc != SQLITE_DONE) {
    return fail_sqlite(rc, path + " cannot be checked", c);
  }
  return report;
}

// Opens an existing file read-only, so that a refusal writes nothing.
open_result<void> open_read_only(const std::string& path, connection& c) {
  if (auto magic = check_magic(path); !magic) {
    return magic.error();
  }
  std::string message;
  const int flags =
      SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (const int rc = connection::open(path, flags, c, message);
      rc != SQLITE_OK) {
    return open_error{sqlite::to_error(rc),
                      path + " cannot be opened: " + message};
  }
  return {};
}

// Checks an existing file without writing to it: a SQLite database, sound
// by quick_check, Latchkey's or empty, not too new. Gives its version (0
// for a new or empty file).
open_result<std::int64_t> inspect(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return 0;
  }
  connection c;
  if (auto opened = open_read_only(path, c); !opened) {
    return opened.error();
  }
  const auto check = run_check(c, "PRAGMA quick_check(10)", path);
  if (!check) {
    return check.error();
  }
  if (*check != "ok") {
    return fail(errc::database_corrupt,
                path + " fails its quick check: " + *check);
  }
  return classify(c, path);
}

// A file name for the copy taken before migrating from `version` that does
// not overwrite an earlier copy.
std::string backup_name(const std::string& path, std::int64_t version) {
  const std::string base = path + ".backup-v" + std::to_string(version);
  std::string name = base;
  std::error_code ec;
  for (int n = 2; std::filesystem::exists(name, ec); ++n) {
    name = base + "." + std::to_string(n);
  }
  return name;
}

// Copies the database open on `source` to the new file `destination` with
// SQLite's online backup: a consistent snapshot, even while others write.
open_result<void> copy_database(connection& source,
                                const std::string& destination) {
  std::error_code ec;
  if (auto created = create_private(destination); !created)
    return created.error();
  connection dest;
  std::string message;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (const int rc = connection::open(destination, flags, dest, message);
      rc != SQLITE_OK) {
    return open_error{sqlite::to_error(rc),
                      destination + " cannot be created: " + message};
  }
  sqlite::backup_ptr backup(
      sqlite3_backup_init(dest.handle(), "main", source.handle(), "main"));
  if (!backup) {
    return fail_sqlite(sqlite3_errcode(dest.handle()),
                       "copying to " + destination + " failed", dest);
  }
  const int rc = sqlite3_backup_step(backup.get(), -1);
  backup.reset();  // finishing reports the copy's outcome on `dest`
  const int finished = sqlite3_errcode(dest.handle());
  if (rc == SQLITE_DONE && finished == SQLITE_OK) {
    return {};
  }
  auto error = fail_sqlite(rc == SQLITE_DONE ? finished : rc,
                           "copying to " + destination + " failed", dest);
  // The half-written copy is ours alone: it was created just above.
  dest = connection();
  std::filesystem::remove(destination, ec);
  return error;
}

// Applies every migration past the file's version in one transaction, so a
// crash leaves the old version or the new one, never a mix. The version is
// read again under the write lock: another process may have migrated.
open_result<void> migrate(connection& c, const std::string& path) {
  if (const int rc = c.run("BEGIN IMMEDIATE"); rc != SQLITE_OK) {
    return fail_sqlite(rc, path + " cannot be locked for migration", c);
  }
  auto outcome = [&]() -> open_result<void> {
    const auto version = classify(c, path);
    if (!version) {
      return version.error();
    }
    for (const auto& step : schema::migrations()) {
      if (step.version <= *version) {
        continue;
      }
      const std::string sql =
          std::string(step.sql) +
          "PRAGMA application_id = " + std::to_string(schema::kApplicationId) +
          "; PRAGMA user_version = " + std::to_string(step.version) + ";";
      if (const int rc = c.exec(sql.c_str()); rc != SQLITE_OK) {
        return fail_sqlite(rc,
                           "migrating " + path + " to version " +
                               std::to_string(step.version) + " failed",
                           c);
      }
    }
    return {};
  }();
  if (!outcome) {
    c.run("ROLLBACK");
    return outcome;
  }
  if (const int rc = c.run("COMMIT"); rc != SQLITE_OK) {
    c.run("ROLLBACK");
    return fail_sqlite(rc, "migrating " + path + " failed to commit", c);
  }
  return {};
}

// Opens the connection that migrates, in WAL mode and syncing fully.
open_result<void> open_primary(const std::string& path,
                               std::chrono::milliseconds busy_timeout,
                               pooled_connection& c) {
  std::string message;
  if (const int rc =
          sqlite::open_configured(path, busy_timeout, true, c, message);
      rc != SQLITE_OK) {
    return open_error{sqlite::to_error(rc),
                      path + " cannot be opened: " + message};
  }
  std::string mode;
  {
    int rc = SQLITE_OK;
    sqlite3_stmt* const stmt = c.db.prepare("PRAGMA journal_mode = WAL", rc);
    if (stmt == nullptr) {
      return fail_sqlite(rc, path + " cannot switch to WAL", c.db);
    }
    sqlite::query q(stmt);
    if (rc = q.step(); rc != SQLITE_ROW) {
      return fail_sqlite(rc, path + " cannot switch to WAL", c.db);
    }
    mode = q.text(0);
  }
  if (mode != "wal") {
    return fail(errc::io_failed,
                path + " cannot use WAL (journal mode stays " + mode + ")");
  }
  if (const int rc = c.db.run("PRAGMA synchronous = FULL"); rc != SQLITE_OK) {
    return fail_sqlite(rc, path + " cannot be configured", c.db);
  }
  c.mode = sqlite::durability::full;
  return {};
}

}  // namespace

open_result<std::unique_ptr<store>> open_sqlite_store(
    const sqlite_options& options) {
  const std::string& path = options.path;
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) {
    return fail(errc::io_failed,
                "the database must be a file path, not \"" + path + "\"");
  }
  const auto version = inspect(path);
  if (!version) {
    return version.error();
  }
  if (*version == 0) {
    if (auto created = create_private(path); !created)
      return created.error();
  }
  auto primary = std::make_unique<pooled_connection>();
  if (auto opened = open_primary(path, options.busy_timeout, *primary);
      !opened) {
    return opened.error();
  }
  if (*version < schema::latest_version()) {
    if (*version > 0 && options.backup_before_migration) {
      const auto copied =
          copy_database(primary->db, backup_name(path, *version));
      if (!copied) {
        return copied.error();
      }
    }
    if (auto migrated = migrate(primary->db, path); !migrated) {
      return migrated.error();
    }
  }
  auto db = std::make_unique<sqlite::sqlite_store>(path, options.busy_timeout);
  db->adopt(std::move(primary));
  return std::unique_ptr<store>(std::move(db));
}

int current_schema_version() noexcept {
  return schema::latest_version();
}

open_result<database_report> check_sqlite_database(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return fail(errc::io_failed, path + " does not exist");
  }
  connection c;
  if (auto opened = open_read_only(path, c); !opened) {
    return opened.error();
  }
  const auto check = run_check(c, "PRAGMA integrity_check(20)", path);
  if (!check) {
    return check.error();
  }
  database_report report;
  report.integrity_ok = *check == "ok";
  report.integrity_detail = *check;
  const auto version = classify(c, path);
  if (!version) {
    // On a damaged file the check's findings say more than a version that
    // could not be read.
    if (report.integrity_ok) {
      return version.error();
    }
    return report;
  }
  report.schema_version = static_cast<int>(*version);
  return report;
}

open_result<void> backup_sqlite_database(const std::string& source,
                                         const std::string& destination) {
  std::error_code ec;
  if (std::filesystem::exists(destination, ec)) {
    return fail(errc::already_exists,
                destination + " exists; a backup never overwrites a file");
  }
  connection c;
  if (auto opened = open_read_only(source, c); !opened) {
    return opened.error();
  }
  if (const auto version = classify(c, source); !version) {
    return version.error();
  }
  return copy_database(c, destination);
}

}  // namespace storage
