// The SQLite backend of the Store.
//
// WAL journal, foreign keys on, a busy timeout, a small pool of
// connections (each used by one thread at a time) with their prepared
// statements cached, a transaction per operation. Operations that
// acknowledge registrations, secrets, recovery codes and password changes
// are synced to disk before they return; sign-in bookkeeping commits
// without waiting for the disk (docs/storage.md says what each mode can
// lose).
//
// At open, migrations bring an older database up to date after copying it
// to FILE.backup-vN; a database written by a newer Latchkey is refused, and
// so is a file that is not a SQLite database, belongs to another
// application or fails its quick check. A refused file is never written.
//
// Thread-safe: see store.hpp. The free functions may be called from any
// thread.
#pragma once

#include "storage/store.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace storage {

struct sqlite_options {
  std::string path;  // ":memory:" is refused: state must be shareable
  std::chrono::milliseconds busy_timeout{5000};
  bool backup_before_migration = true;
};

// Why a database could not be opened, checked or copied: the code a
// caller acts on, and a sentence for the operator that names the file (and
// both schema versions when the file is too new). Never holds a secret.
struct open_error {
  common::error_code code;
  std::string message;
};

template <class Stream>
Stream& operator<<(Stream& out, const open_error& e) {
  out << e.message;
  return out;
}

template <class T>
using open_result = boost::system::result<T, open_error>;

// Opens (creating if needed) and migrates the database. Fails with
// database_corrupt (not a SQLite database, another application's database,
// or a failed quick check), database_too_new, busy or io_failed.
open_result<std::unique_ptr<store>> open_sqlite_store(
    const sqlite_options& options);

// The schema version this build writes.
int current_schema_version() noexcept;

// What `latchkey db check` reports.
struct database_report {
  int schema_version = 0;
  bool integrity_ok = false;
  std::string integrity_detail;  // "ok", or the first problems found
};

// Runs the full PRAGMA integrity_check on an existing database without
// writing to it. Fails with io_failed when the file cannot be opened and
// database_corrupt when it is not a Latchkey database; a database whose
// check finds problems is a report with integrity_ok false.
open_result<database_report> check_sqlite_database(const std::string& path);

// Writes an online, consistent copy of the database at `source` to
// `destination`, while other connections keep reading and writing. Refuses
// (already_exists) to overwrite an existing file.
open_result<void> backup_sqlite_database(const std::string& source,
                                         const std::string& destination);

}  // namespace storage
