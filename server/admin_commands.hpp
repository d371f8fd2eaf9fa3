// The operator's commands beside `serve`:
//
//   latchkey db check            integrity check and schema version
//   latchkey db backup FILE      an online, consistent copy
//   latchkey keys add            a new sealing key, not yet current
//   latchkey keys activate ID    make it current and re-seal every row
//   latchkey keys retire ID      drop a key no row uses any more
//   latchkey keys list           key ids, the current one, rows per key
//
// They read --database and --key-file from the same sources as `serve`
// (flags, LATCHKEY_* variables, --config file; other serve settings are
// accepted and unused), so the server's own configuration can be given
// unchanged. They never create a database or a key file: both must exist.
// Nothing they print holds key material or a secret.
//
// The key commands are safe while servers keep running on the same
// database: see server/keys.hpp for how a server follows a rotation, and
// docs/operations.md for the procedure on one node and on several.
//
// Not thread-safe: each runs once, on the main thread.
#pragma once

#include "common/config.hpp"

#include <cstdio>
#include <span>
#include <string_view>

namespace server {

// `latchkey db ...`. Exit status for check: 0 clean, 1 problems found
// (or not a Latchkey database), 2 bad usage or the file cannot be opened.
// For backup: 0 copied, 1 refused (the target exists, the source is
// damaged or foreign) or the copy failed, 2 bad usage or unopenable.
int run_db(std::span<const std::string_view> args,
           const common::environment& env, std::FILE* out, std::FILE* err);

// `latchkey keys ...`. Exit status: 0 done, 1 refused (unknown key id, a
// key still in use or current, rows sealed under keys the file lacks, a
// row that does not open), 2 bad usage, or the key file or database
// cannot be opened.
int run_keys(std::span<const std::string_view> args,
             const common::environment& env, std::FILE* out, std::FILE* err);

}  // namespace server
