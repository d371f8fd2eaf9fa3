// Why a storage operation failed: one value per condition a caller acts
// on. Thread-safe: the category is an immutable singleton.
#pragma once

#include "common/error.hpp"

namespace storage {

using common::result;

enum class errc {
  ok = 0,
  not_found,          // no such row
  already_exists,     // a unique key is taken (username, credential id)
  already_used,       // a single-use value was consumed before
  expired,            // a ceremony or session past its expiry
  counter_regressed,  // a signature counter would not increase
  busy,               // the database stayed locked past the busy timeout
  database_corrupt,   // integrity check failed, or not a Latchkey database
  database_too_new,   // written by a newer Latchkey: refuse to touch it
  io_failed,          // the file system or SQLite failed otherwise
  key_file_missing,   // sealed rows exist but their key cannot be found
  key_file_unsafe,    // the key file is readable by group or others
  key_file_malformed,
  unseal_failed,      // ciphertext, nonce, associated data or key id wrong
  password_mismatch,  // the password is not the one hashed
  password_hash_malformed,     // not a PHC string of the Argon2id shape
  password_hash_unsupported,   // another algorithm, or another version
  password_hash_bad_encoding,  // salt or hash not canonical base64
  password_hash_out_of_range,  // stored cost, salt or hash size unusable
  password_cost_too_low,       // configured under 19 MiB or 2 passes
  password_cost_out_of_range,  // configured lanes or memory unusable
  password_hash_failed,        // libargon2 failed (usually out of memory)
  count_                       // not an error: the number of values
};

std::string_view describe(errc e) noexcept;
std::string_view name_of(errc e) noexcept;
const boost::system::error_category& storage_category() noexcept;

inline common::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), storage_category()};
}

}  // namespace storage

template <>
struct boost::system::is_error_code_enum<storage::errc> : std::true_type {};
