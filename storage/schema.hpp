// The SQLite schema, as the list of forward-only migrations that build it.
// Private to storage/ and its tests.
//
// Each version's SQL is kept forever, so that a test can build a database
// of any earlier version, fill it and migrate it. A migration is only ever
// appended, never edited once released.
//
// Thread-safe: constant data.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace storage::schema {

// PRAGMA application_id of a Latchkey database ("LKEY"), so that a SQLite
// file of another application is refused instead of migrated.
constexpr std::int64_t kApplicationId = 0x4C4B4559;

struct migration {
  int version;           // the user_version after this step
  std::string_view sql;  // statements that take version - 1 to version
};

// Every migration, in version order, starting at version 1.
std::span<const migration> migrations() noexcept;

// The version the last migration reaches.
int latest_version() noexcept;

}  // namespace storage::schema
