#include "common/error.hpp"

#include <doctest/doctest.h>

TEST_CASE("a common error converts to an error_code with a name and text") {
  const common::error_code ec = common::errc::base64url_padding;
  CHECK(ec.category().name() == std::string_view("common"));
  CHECK(common::error_name(ec) == "base64url_padding");
  CHECK(ec.message().find("padding") != std::string::npos);
  CHECK(ec);
}

TEST_CASE("every common error has its own name") {
  for (int i = 1; i < static_cast<int>(common::errc::count_); ++i) {
    const auto e = static_cast<common::errc>(i);
    CAPTURE(i);
    CHECK(common::name_of(e) != "unknown");
    CHECK_FALSE(common::describe(e).empty());
  }
}

TEST_CASE("error_name falls back for codes from other categories") {
  const common::error_code ec =
      boost::system::errc::make_error_code(boost::system::errc::timed_out);
  CHECK(common::error_name(ec) == "generic_110");
}

TEST_CASE("a result carries either a value or the error") {
  const common::result<int> good = 5;
  const common::result<int> bad = common::errc::too_large;
  CHECK(good.value() == 5);
  CHECK(bad.has_error());
  CHECK(bad.error() == common::errc::too_large);
}
