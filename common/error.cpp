#include "common/error.hpp"

namespace common {
namespace {

constexpr error_info kErrors[] = {
    {"ok", "success"},
    {"base64url_bad_character",
     "base64url text has a character outside A-Z a-z 0-9 - _"},
    {"base64url_padding", "base64url text must not carry '=' padding"},
    {"base64url_bad_length", "base64url text has an impossible length"},
    {"base64url_noncanonical_tail",
     "base64url text has non-zero bits after its last byte"},
    {"hex_bad_character", "hex text has a non-hex character"},
    {"hex_odd_length", "hex text has an odd length"},
    {"random_failed", "the random generator failed"},
    {"too_large", "input is larger than allowed"},
    {"base32_bad_character", "base32 text has a character outside A-Z 2-7"},
    {"base32_bad_padding",
     "base32 padding is misplaced or not the amount the length needs"},
    {"base32_bad_length", "base32 text has an impossible length"},
    {"base32_noncanonical_tail",
     "base32 text has non-zero bits after its last byte"},
};
static_assert(std::size(kErrors) == static_cast<std::size_t>(errc::count_));

}  // namespace

std::string error_name(const error_code& ec) {
  if (const auto* named = dynamic_cast<const named_category*>(&ec.category())) {
    return std::string(named->code_name(ec.value()));
  }
  return std::string(ec.category().name()) + "_" + std::to_string(ec.value());
}

std::string_view describe(errc e) noexcept {
  return lookup_error(kErrors, static_cast<int>(e)).text;
}

std::string_view name_of(errc e) noexcept {
  return lookup_error(kErrors, static_cast<int>(e)).name;
}

const boost::system::error_category& common_category() noexcept {
  static const enum_category<errc> category("common");
  return category;
}

}  // namespace common
