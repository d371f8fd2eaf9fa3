#include "totp/error.hpp"

#include <doctest/doctest.h>

#include <set>

TEST_CASE("every totp error has its own name and a sentence") {
  std::set<std::string_view> names;
  for (int i = 1; i < static_cast<int>(totp::errc::count_); ++i) {
    const auto e = static_cast<totp::errc>(i);
    CAPTURE(i);
    CHECK(totp::name_of(e) != "unknown");
    CHECK_FALSE(totp::describe(e).empty());
    CHECK(names.insert(totp::name_of(e)).second);
  }
}

TEST_CASE("a totp error converts to an error_code named after its rule") {
  const common::error_code ec = totp::errc::code_already_used;
  CHECK(ec.category().name() == std::string_view("totp"));
  CHECK(common::error_name(ec) == "code_already_used");
  CHECK(ec.message().find("last one accepted") != std::string::npos);
}
