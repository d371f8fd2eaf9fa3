// The SQLite backend of the Store.
//
// WAL journal, foreign keys on, a busy timeout, one connection per thread
// with its prepared statements cached, a transaction per operation.
// Operations that acknowledge registrations, secrets, recovery codes and
// password changes are synced to disk before they return; sign-in
// bookkeeping commits without waiting for the disk (docs/storage.md says
// what each mode can lose).
//
// At open, migrations bring an older database up to date after copying it
// to FILE.backup-vN; a database written by a newer Latchkey is refused.
//
// Thread-safe: see store.hpp.
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

// Opens (creating if needed) and migrates the database. Fails with
// database_corrupt (not a database, or a failed integrity check),
// database_too_new, busy or io_failed; the message names the file.
result<std::unique_ptr<store>> open_sqlite_store(const sqlite_options& options);

// The schema version this build writes.
int current_schema_version() noexcept;

}  // namespace storage
