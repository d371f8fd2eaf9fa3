// `latchkey metadata load FILE`: takes a new FIDO MDS3 BLOB, verifies its
// signature and chain under --metadata-roots, refuses one that is not
// newer than the last loaded, and checks every stored credential against
// it. Credentials of a model the BLOB now reports revoked or compromised
// are suspended, with the reason their owners see at their next sign-in,
// and each suspension is audited.
//
// Reads --database and --metadata-roots from the same sources as `serve`.
// Safe while servers run on the same database.
//
// Not thread-safe: runs once, on the main thread.
#pragma once

#include "common/config.hpp"

#include <cstdio>
#include <span>
#include <string_view>

namespace server {

// Exit status: 0 loaded, 1 refused (signature, chain, age, an older
// BLOB), 2 bad usage or a file that cannot be opened.
int run_metadata(std::span<const std::string_view> args,
                 const common::environment& env, std::FILE* out,
                 std::FILE* err);

}  // namespace server
