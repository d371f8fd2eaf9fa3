#include "common/log.hpp"

#include <doctest/doctest.h>

#include <cstdio>

namespace {

const common::fixed_clock kClock(common::from_unix_seconds(1'764'790'000));

}  // namespace

TEST_CASE("a log line is key=value with timestamp, level and event") {
  const common::logger log(common::log_level::info, nullptr, kClock);
  const auto line = log.format(common::log_level::info, "request",
                               {{"method", "GET"}, {"status", 200}});
  CHECK(line ==
        "ts=2025-12-03T19:26:40.000Z level=info event=request method=GET "
        "status=200\n");
}

TEST_CASE("values with spaces, quotes or equals signs are quoted") {
  std::string out;
  common::append_log_value(out, "a b=\"c\"\\");
  CHECK(out == R"("a b=\"c\"\\")");
}

TEST_CASE("input cannot forge a log line or a field") {
  const common::logger log(common::log_level::info, nullptr, kClock);
  const auto line = log.format(
      common::log_level::info, "request",
      {{"path", "/x\nts=1 level=error event=forged"}, {"agent", "\x1b[31m"}});
  // One line only, and the injected text stays inside the quoted value.
  CHECK(line.find('\n') == line.size() - 1);
  CHECK(line.find("path=\"/x\\nts=1 level=error event=forged\"") !=
        std::string::npos);
  CHECK(line.find("agent=\"\\x1b[31m\"") != std::string::npos);
}

TEST_CASE("non-ASCII and empty values are escaped and quoted") {
  std::string out;
  common::append_log_value(out, "caf\xc3\xa9");
  CHECK(out == "\"caf\\xc3\\xa9\"");
  out.clear();
  common::append_log_value(out, "");
  CHECK(out == "\"\"");
}

TEST_CASE("events below the level are not written") {
  std::FILE* sink = std::tmpfile();
  REQUIRE(sink != nullptr);
  const common::logger log(common::log_level::warn, sink, kClock);
  log.info("hidden");
  log.warn("shown", {{"n", 1}});
  std::rewind(sink);
  char buffer[256] = {};
  const auto n = std::fread(buffer, 1, sizeof buffer - 1, sink);
  std::fclose(sink);
  const std::string text(buffer, n);
  CHECK(text.find("hidden") == std::string::npos);
  CHECK(text.find("event=shown n=1") != std::string::npos);
}

TEST_CASE("log levels parse from their names only") {
  CHECK(common::parse_log_level("debug") == common::log_level::debug);
  CHECK(common::parse_log_level("error") == common::log_level::error);
  CHECK_FALSE(common::parse_log_level("verbose").has_value());
  CHECK_FALSE(common::parse_log_level("INFO").has_value());
}
