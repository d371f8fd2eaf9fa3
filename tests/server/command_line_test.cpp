// The `latchkey` command line: help, version, and configuration refused
// with a message that names the setting.
#include "server_process.hpp"
#include "storage/sealing.hpp"
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>

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

TEST_CASE("the first start creates the key file with mode 0600") {
  test_support::server_process server;
  server.send_signal(SIGTERM);
  REQUIRE(server.wait() == 0);
  struct stat info {};
  REQUIRE(::stat((server.folder() + "/latchkey.key").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(::stat((server.folder() + "/latchkey.db").c_str(), &info) == 0);
}

TEST_CASE("a database that is not Latchkey's stops the start, unchanged") {
  const auto folder = std::filesystem::temp_directory_path() /
                      ("latchkey-foreign-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const auto db = (folder / "latchkey.db").string();
  std::ofstream(db) << "this is not a database";
  const auto r =
      run_latchkey({"serve", "--listen", "127.0.0.1:0", "--database", db,
                    "--key-file", (folder / "latchkey.key").string()});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "event=start_failed"));
  CHECK(contains(r.output, db));
  std::ifstream in(db);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) ==
        "this is not a database");
  CHECK_FALSE(std::filesystem::exists(folder / "latchkey.key"));
  std::filesystem::remove_all(folder);
}

TEST_CASE("a key file readable by others stops the start") {
  const auto folder = std::filesystem::temp_directory_path() /
                      ("latchkey-loose-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const auto key = (folder / "latchkey.key").string();
  {
    test_support::server_process first(
        {"--database", (folder / "latchkey.db").string(), "--key-file", key});
  }
  ::chmod(key.c_str(), 0644);
  const auto r =
      run_latchkey({"serve", "--listen", "127.0.0.1:0", "--database",
                    (folder / "latchkey.db").string(), "--key-file", key});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, key));
  std::filesystem::remove_all(folder);
}

TEST_CASE("keys are never taken from the command line") {
  const auto r = run_latchkey({"serve", "--secret-keys", "{}"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "never from the command line"));
}

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("sealed rows without their key stop the start, naming the key id") {
  const auto folder = std::filesystem::temp_directory_path() /
                      ("latchkey-sealed-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const auto db_path = (folder / "latchkey.db").string();
  const auto key_path = (folder / "latchkey.key").string();
  std::string key_id;
  {
    auto db = storage::open_sqlite_store({db_path});
    REQUIRE(db.has_value());
    auto keys = storage::key_ring::load_file(key_path, true);
    REQUIRE(keys.has_value());
    key_id = keys->current_key_id();
    const auto now = std::chrono::system_clock::now();
    auto user =
        (*db)->create_user({common::bytes(64, 1), "alice", "Alice", {}}, now);
    REQUIRE(user.has_value());
    storage::totp_enrollment totp;
    totp.user = user->id;
    totp.secret = *keys->seal(storage::kTotpSecretPurpose, user->id,
                              common::bytes(20, 7));
    totp.algorithm = "SHA1";
    totp.created_at = now;
    REQUIRE((*db)->put_pending_totp(totp).has_value());
  }
  std::filesystem::remove(key_path);
  const auto r = run_latchkey({"serve", "--listen", "127.0.0.1:0", "--database",
                               db_path, "--key-file", key_path});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, key_path));
  CHECK(contains(r.output, "key id " + key_id));
  CHECK_FALSE(std::filesystem::exists(key_path));

  // A key file that cannot be read (here: its folder is a file) is named.
  const auto blocked = (folder / "latchkey.db").string() + "/latchkey.key";
  const auto unreadable =
      run_latchkey({"serve", "--listen", "127.0.0.1:0", "--database", db_path,
                    "--key-file", blocked});
  CHECK(unreadable.exit_code == 1);
  CHECK(contains(unreadable.output, blocked + " cannot be read"));

  // A key file that lacks the key is refused too, and names the key id.
  REQUIRE(storage::key_ring::load_file(key_path, true).has_value());
  const auto again =
      run_latchkey({"serve", "--listen", "127.0.0.1:0", "--database", db_path,
                    "--key-file", key_path});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.output, key_id));

  // Keys from the environment that lack it are named as such.
  ::setenv("LATCHKEY_SECRET_KEYS", read_text(key_path).c_str(), 1);
  const auto from_env =
      run_latchkey({"serve", "--listen", "127.0.0.1:0", "--database", db_path});
  ::unsetenv("LATCHKEY_SECRET_KEYS");
  CHECK(from_env.exit_code == 1);
  CHECK(contains(from_env.output, "which LATCHKEY_SECRET_KEYS does not have"));
  std::filesystem::remove_all(folder);
}
