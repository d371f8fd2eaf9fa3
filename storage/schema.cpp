#include "storage/schema.hpp"

namespace storage::schema {
namespace {

// Version 1: every table. Times are integer milliseconds since the epoch;
// booleans are 0 or 1. Users and audit events use AUTOINCREMENT so that an
// id is never reused: audit events keep the id of a deleted user.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  handle BLOB NOT NULL UNIQUE,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT,
  policy_state TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE credentials (
  id BLOB PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 1023),
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  public_key BLOB NOT NULL,
  algorithm INTEGER NOT NULL,
  sign_count INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
  transports TEXT NOT NULL,
  aaguid BLOB NOT NULL,
  attestation_format TEXT NOT NULL,
  attestation_type TEXT NOT NULL,
  attestation_trusted INTEGER NOT NULL CHECK (attestation_trusted IN (0, 1)),
  attestation_object BLOB NOT NULL,
  backup_eligible INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),
  backup_state INTEGER NOT NULL CHECK (backup_state IN (0, 1)),
  uv_initialized INTEGER NOT NULL CHECK (uv_initialized IN (0, 1)),
  nickname TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  possibly_cloned INTEGER NOT NULL CHECK (possibly_cloned IN (0, 1))
) STRICT;
CREATE INDEX credentials_by_user ON credentials (user_id);

CREATE TABLE ceremonies (
  handle_hash BLOB PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL,
  user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
  session_hash BLOB NOT NULL,
  challenge BLOB NOT NULL,
  user_verification TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  context TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX ceremonies_by_user ON ceremonies (user_id);

CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  assurance INTEGER NOT NULL,
  methods TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  address TEXT NOT NULL,
  user_agent TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE totp_enrollments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  confirmed INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
  key_id TEXT NOT NULL,
  secret BLOB NOT NULL,
  algorithm TEXT NOT NULL,
  digits INTEGER NOT NULL,
  period INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (user_id, confirmed)
) STRICT;

CREATE TABLE recovery_codes (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  lookup_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  used_at INTEGER,
  PRIMARY KEY (user_id, lookup_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY NOT NULL,
  window_start INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  locked_until INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  user_id INTEGER,
  event TEXT NOT NULL,
  outcome TEXT NOT NULL,
  address TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  detail TEXT NOT NULL
) STRICT;
)sql";

// Version 2: credentials can be suspended by an administrator, and the
// sweep and the per-user audit listing get indexes instead of scans.
constexpr std::string_view kVersion2 = R"sql(
ALTER TABLE credentials ADD COLUMN
  suspended INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1));
CREATE INDEX ceremonies_by_expiry ON ceremonies (expires_at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX audit_by_user ON audit_events (user_id, id);
)sql";

// Version 3: why a credential was suspended (shown to its owner), users
// an operator disabled, and small named values the server keeps for every
// node (such as the key behind made-up credential ids). Ceremonies and
// sessions lose the indexes only the sweep used: every sign-in writes
// both tables twice, and each index is pages more to write each time,
// while the sweep, once a minute, scans them in milliseconds.
constexpr std::string_view kVersion3 = R"sql(
DROP INDEX ceremonies_by_expiry;
DROP INDEX ceremonies_by_user;
DROP INDEX sessions_by_expiry;
ALTER TABLE credentials ADD COLUMN suspended_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
CREATE TABLE server_values (
  name TEXT PRIMARY KEY NOT NULL,
  value BLOB NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

constexpr migration kMigrations[] = {
    {1, kVersion1},
    {2, kVersion2},
    {3, kVersion3},
};

}  // namespace

std::span<const migration> migrations() noexcept {
  return kMigrations;
}

int latest_version() noexcept {
  return kMigrations[std::size(kMigrations) - 1].version;
}

}  // namespace storage::schema
