#include "storage/error.hpp"

#include <doctest/doctest.h>

TEST_CASE("storage errors: every value has a name and a sentence") {
  for (int v = 0; v < static_cast<int>(storage::errc::count_); ++v) {
    const auto e = static_cast<storage::errc>(v);
    CHECK_FALSE(storage::name_of(e).empty());
    CHECK_FALSE(storage::describe(e).empty());
    CHECK(storage::name_of(e) != "unknown");
  }
  const common::error_code ec = storage::errc::database_too_new;
  CHECK(common::error_name(ec) == "database_too_new");
  CHECK(std::string(ec.category().name()) == "storage");
  CHECK(ec.message().find("newer") != std::string::npos);
}
