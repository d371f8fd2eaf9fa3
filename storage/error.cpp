#include "storage/error.hpp"

namespace storage {
namespace {

using common::error_info;

constexpr error_info kErrors[] = {
    {"ok", "success"},
    {"not_found", "no such row"},
    {"already_exists", "the key is already taken"},
    {"already_used", "the single-use value was used before"},
    {"expired", "the ceremony or session has expired"},
    {"counter_regressed", "the signature counter did not increase"},
    {"busy", "the database stayed locked past the busy timeout"},
    {"database_corrupt",
     "the database file is damaged or is not a Latchkey database"},
    {"database_too_new",
     "the database was written by a newer Latchkey than this one"},
    {"io_failed", "the database or file system failed"},
    {"key_file_missing", "a key that sealed stored secrets cannot be found"},
    {"key_file_unsafe", "the key file is readable by group or others"},
    {"key_file_malformed", "the key file is not a well-formed key list"},
    {"unseal_failed", "a sealed value does not open under its key"},
    {"password_mismatch", "the password does not match"},
    {"password_hash_malformed", "the stored password hash is not a PHC string"},
    {"password_hash_unsupported",
     "the stored password hash is not Argon2id version 19"},
    {"password_hash_bad_encoding",
     "the stored password hash has a salt or hash that is not base64"},
    {"password_hash_out_of_range",
     "the stored password hash has a cost, salt or hash size out of bounds"},
    {"password_cost_too_low",
     "the password cost is under 19 MiB of memory or 2 passes"},
    {"password_cost_out_of_range",
     "the password cost has lanes or memory out of bounds"},
    {"password_hash_failed", "the password could not be hashed"},
};
static_assert(std::size(kErrors) == static_cast<std::size_t>(errc::count_));

}  // namespace

std::string_view describe(errc e) noexcept {
  return lookup_error(kErrors, static_cast<int>(e)).text;
}

std::string_view name_of(errc e) noexcept {
  return lookup_error(kErrors, static_cast<int>(e)).name;
}

const boost::system::error_category& storage_category() noexcept {
  static const common::enum_category<errc> category("storage");
  return category;
}

}  // namespace storage
