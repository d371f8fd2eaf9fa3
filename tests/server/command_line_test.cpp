// The `latchkey` command line: help, version, and configuration refused
// with a message that names the setting.
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using test_support::run_latchkey;

namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("latchkey --help lists the commands") {
  const auto r = run_latchkey({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "serve"));
}

TEST_CASE("latchkey without a command shows usage and exits 2") {
  const auto r = run_latchkey({});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "Usage: latchkey"));
}

TEST_CASE("latchkey serve --help explains every option") {
  const auto r = run_latchkey({"serve", "--help"});
  CHECK(r.exit_code == 0);
  for (const char* option :
       {"--listen HOST:PORT", "--rp-id", "--rp-name", "--origin URL",
        "--database FILE", "--key-file FILE", "--web-root DIR", "--log-level",
        "--config FILE", "--header-timeout", "--idle-timeout", "--body-limit",
        "--max-connections", "LATCHKEY_LISTEN", "LATCHKEY_WEB_ROOT"}) {
    CAPTURE(option);
    CHECK(contains(r.output, option));
  }
}

TEST_CASE("latchkey --version prints the version") {
  const auto r = run_latchkey({"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.output.starts_with("latchkey "));
}

TEST_CASE("an unknown command is refused") {
  const auto r = run_latchkey({"serv"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "unknown command \"serv\""));
}

TEST_CASE("bad configuration is refused with the setting named") {
  const std::pair<std::vector<std::string>, std::string_view> cases[] = {
      {{"serve", "--listen", "nowhere"}, "listen: expected HOST:PORT"},
      {{"serve", "--listen", "127.0.0.1:99999"}, "listen: the port"},
      {{"serve", "--origin", "http://example.com"},
       "origin http://example.com: http is allowed for localhost only"},
      {{"serve", "--rp-id", "example.com", "--origin", "https://evil.com"},
       "origin https://evil.com: its host is not the rp-id"},
      {{"serve", "--log-level", "loud"}, "log-level: expected debug"},
      {{"serve", "--header-timeout", "soon"}, "--header-timeout: expected"},
      {{"serve", "--no-such-option"}, "--no-such-option: unknown option"},
      {{"serve", "--config", "/nonexistent.json"},
       "/nonexistent.json: cannot open"},
  };
  for (const auto& [args, message] : cases) {
    CAPTURE(message);
    const auto r = run_latchkey(args);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, message));
  }
}

TEST_CASE("a web root that does not exist stops the start") {
  const auto r = run_latchkey(
      {"serve", "--listen", "127.0.0.1:0", "--web-root", "/nonexistent"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "event=start_failed"));
  CHECK(contains(r.output, "/nonexistent"));
}

TEST_CASE("an address already in use stops the start with the reason") {
  test_support::server_process first;
  const auto r = run_latchkey(
      {"serve", "--listen", "127.0.0.1:" + std::to_string(first.port())});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "cannot listen on 127.0.0.1:"));
}

TEST_CASE("settings come from LATCHKEY_ variables, and typos are refused") {
  ::setenv("LATCHKEY_LISTN", "127.0.0.1:1", 1);
  auto r = run_latchkey({"serve"});
  ::unsetenv("LATCHKEY_LISTN");
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "LATCHKEY_LISTN: unknown setting"));

  ::setenv("LATCHKEY_BODY_LIMIT", "12", 1);
  r = run_latchkey({"serve"});
  ::unsetenv("LATCHKEY_BODY_LIMIT");
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "LATCHKEY_BODY_LIMIT: expected a whole number"));
}
