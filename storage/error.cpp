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
