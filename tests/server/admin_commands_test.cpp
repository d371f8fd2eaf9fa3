// `latchkey db` and `latchkey keys`, run as the real binary against
// databases and key files made through the storage API, each test in its
// own temporary folder.
#include "server_process.hpp"
#include "storage/sealing.hpp"
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

using test_support::run_latchkey;

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPurpose = "totp-secret";

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// A fresh folder, removed with everything in it at the end of the test.
class temp_folder {
 public:
  temp_folder() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("latchkey-admin-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~temp_folder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_folder(const temp_folder&) = delete;
  temp_folder& operator=(const temp_folder&) = delete;

  std::string file(std::string_view name) const {
    return (path_ / name).string();
  }

 private:
  fs::path path_;
};

std::unique_ptr<storage::store> open_store(const std::string& path) {
  auto db = storage::open_sqlite_store({path});
  REQUIRE_MESSAGE(db.has_value(), db.error().message);
  return std::move(*db);
}

storage::user_id add_user(storage::store& db, const std::string& name) {
  // Handles are unique: the name itself, padded to 64 bytes.
  common::bytes handle(64, 0);
  std::copy(name.begin(), name.end(), handle.begin());
  auto user = db.create_user({handle, name, name, {}},
                             std::chrono::system_clock::now());
  REQUIRE(user.has_value());
  return user->id;
}

// The TOTP secret of a user in these tests: 20 bytes that name the user.
common::bytes secret_of(storage::user_id user) {
  return common::bytes(20, static_cast<std::uint8_t>(user));
}

// A pending TOTP enrollment for a new user, sealed with `keys`.
storage::user_id add_sealed_user(storage::store& db,
                                 const storage::key_ring& keys,
                                 const std::string& name) {
  const auto user = add_user(db, name);
  storage::totp_enrollment totp;
  totp.user = user;
  auto sealed = keys.seal(kPurpose, user, secret_of(user));
  REQUIRE(sealed.has_value());
  totp.secret = std::move(*sealed);
  totp.algorithm = "SHA1";
  totp.created_at = std::chrono::system_clock::now();
  REQUIRE(db.put_pending_totp(totp).has_value());
  return user;
}

storage::key_ring load_keys(const std::string& path) {
  auto ring = storage::key_ring::load_file(path, false);
  REQUIRE_MESSAGE(ring.has_value(), ring.error().message());
  return std::move(*ring);
}

unsigned mode_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// Sealed rows per key id, and a check that each opens to its secret.
std::map<std::string, int> rows_by_key(const std::string& db_path,
                                       const std::string& key_path) {
  const auto db = open_store(db_path);
  const auto keys = load_keys(key_path);
  auto rows = db->list_sealed();
  REQUIRE(rows.has_value());
  std::map<std::string, int> counts;
  for (const auto& row : *rows) {
    ++counts[row.value.key_id];
    const auto opened = keys.open(kPurpose, row.user, row.value);
    REQUIRE(opened.has_value());
    CHECK(*opened == secret_of(row.user));
  }
  return counts;
}

}  // namespace

TEST_CASE("latchkey --help lists db and keys") {
  const auto r = run_latchkey({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "db "));
  CHECK(contains(r.output, "keys "));
}

TEST_CASE("db and keys explain themselves, and refuse bad usage") {
  auto r = run_latchkey({"db", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "latchkey db backup FILE"));
  CHECK(contains(r.output, "LATCHKEY_DATABASE"));
  r = run_latchkey({"keys", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "keys activate NEW once more"));
  CHECK(contains(r.output, "LATCHKEY_KEY_FILE"));
  for (const auto& args : {std::vector<std::string>{"db"},
                           {"db", "repair"},
                           {"db", "backup"},
                           {"db", "backup", "--database", "x.db"},
                           {"db", "check", "extra"},
                           {"keys"},
                           {"keys", "rotate", "id", "extra"},
                           {"keys", "activate"},
                           {"keys", "list", "--no-such-flag"}}) {
    CAPTURE(args.size());
    CHECK(run_latchkey(args).exit_code == 2);
  }
}

TEST_CASE("db check: a fresh database is clean and shows its version") {
  const temp_folder dir;
  const auto path = dir.file("latchkey.db");
  open_store(path);
  const auto r = run_latchkey({"db", "check", "--database", path});
  CHECK(r.exit_code == 0);
  CHECK(contains(
      r.output,
      "schema version: " + std::to_string(storage::current_schema_version())));
  CHECK(contains(r.output, "integrity: ok"));
}

TEST_CASE("db check: the database comes from LATCHKEY_DATABASE too") {
  const temp_folder dir;
  const auto path = dir.file("from-env.db");
  open_store(path);
  ::setenv("LATCHKEY_DATABASE", path.c_str(), 1);
  const auto r = run_latchkey({"db", "check"});
  ::unsetenv("LATCHKEY_DATABASE");
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, path));
}

TEST_CASE("db check: a missing file is refused and not created") {
  const temp_folder dir;
  const auto path = dir.file("missing.db");
  const auto r = run_latchkey({"db", "check", "--database", path});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, path));
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("db check: a copy with bytes flipped in the middle is named") {
  const temp_folder dir;
  const auto path = dir.file("sound.db");
  {
    const auto db = open_store(path);
    for (int n = 0; n < 200; ++n)
      add_user(*db, "user" + std::to_string(n));
  }
  std::string data = read_all(path);
  REQUIRE(data.size() > 8 * 4096);
  // Whole pages in the middle: b-tree headers and cells alike.
  const std::size_t middle = data.size() / 2 / 4096 * 4096;
  for (std::size_t i = middle; i < middle + 2 * 4096; ++i)
    data[i] = static_cast<char>(data[i] ^ 0x5a);
  const auto copy = dir.file("damaged.db");
  std::ofstream(copy, std::ios::binary) << data;
  const auto r = run_latchkey({"db", "check", "--database", copy});
  CHECK((r.exit_code == 1 || r.exit_code == 2));
  CHECK(contains(r.output, copy));
  // The sound original stays clean.
  CHECK(run_latchkey({"db", "check", "--database", path}).exit_code == 0);
}

TEST_CASE("db check: a file that is not a database is a problem") {
  const temp_folder dir;
  const auto path = dir.file("text.db");
  std::ofstream(path) << "not a database at all, just some text";
  const auto r = run_latchkey({"db", "check", "--database", path});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, path));
}

TEST_CASE("db backup: the copy opens with the same rows, and is 0600") {
  const temp_folder dir;
  const auto path = dir.file("latchkey.db");
  const auto key_path = dir.file("latchkey.key");
  const auto keys = *storage::key_ring::load_file(key_path, true);
  std::vector<storage::user> users;
  {
    const auto db = open_store(path);
    add_sealed_user(*db, keys, "alice");
    add_user(*db, "bob");
    users.push_back(*db->find_user_by_name("alice"));
    users.push_back(*db->find_user_by_name("bob"));
  }
  const auto copy = dir.file("backup.db");
  const auto r = run_latchkey({"db", "backup", copy, "--database", path});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(mode_of(copy) == 0600);
  const auto db = open_store(copy);
  for (const auto& u : users) {
    const auto found = db->find_user_by_name(u.username);
    REQUIRE(found.has_value());
    CHECK(found->id == u.id);
    CHECK(found->handle == u.handle);
  }
  CHECK(rows_by_key(copy, key_path) ==
        std::map<std::string, int>{{keys.current_key_id(), 1}});
}

TEST_CASE("db backup: an existing target is refused and left as it was") {
  const temp_folder dir;
  const auto path = dir.file("latchkey.db");
  open_store(path);
  const auto target = dir.file("taken");
  std::ofstream(target) << "keep me";
  const auto r = run_latchkey({"db", "backup", target, "--database", path});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, target));
  CHECK(read_all(target) == "keep me");
}

TEST_CASE("keys: add, activate, retire and list through a full rotation") {
  const temp_folder dir;
  const auto db_path = dir.file("latchkey.db");
  const auto key_path = dir.file("latchkey.key");
  const auto old_keys = *storage::key_ring::load_file(key_path, true);
  const std::string old_id = old_keys.current_key_id();
  {
    const auto db = open_store(db_path);
    add_sealed_user(*db, old_keys, "alice");
    add_sealed_user(*db, old_keys, "bob");
  }
  const std::vector<std::string> paths = {"--database", db_path, "--key-file",
                                          key_path};
  auto keys_cmd = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "keys");
    args.insert(args.end(), paths.begin(), paths.end());
    return run_latchkey(args);
  };

  auto r = keys_cmd({"list"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(contains(r.output, old_id + "  current  2"));

  // Step 1: a new key, not current yet.
  r = keys_cmd({"add"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const std::string new_id = first_line(r.output);
  CHECK(new_id.size() == 8);
  CHECK(new_id != old_id);
  CHECK(mode_of(key_path) == 0600);
  CHECK(load_keys(key_path).current_key_id() == old_id);
  CHECK(load_keys(key_path).has_key(new_id));
  CHECK(rows_by_key(db_path, key_path) ==
        std::map<std::string, int>{{old_id, 2}});

  // The current key, and a key no file holds, cannot be retired.
  r = keys_cmd({"retire", old_id});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "is current"));
  CHECK(keys_cmd({"retire", "nosuchkey"}).exit_code == 1);
  CHECK(keys_cmd({"activate", "nosuchkey"}).exit_code == 1);

  // Step 2: activate re-seals every row under the new key.
  r = keys_cmd({"activate", new_id});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(contains(r.output, "re-sealed 2 rows"));
  CHECK(mode_of(key_path) == 0600);
  CHECK(load_keys(key_path).current_key_id() == new_id);
  CHECK(rows_by_key(db_path, key_path) ==
        std::map<std::string, int>{{new_id, 2}});

  // A node that had not received the new file yet sealed one more row
  // under the old key: retiring it is refused until activate runs again.
  {
    const auto db = open_store(db_path);
    add_sealed_user(*db, old_keys, "carol");
  }
  r = keys_cmd({"retire", old_id});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "still seals 1 rows"));
  CHECK(load_keys(key_path).has_key(old_id));
  r = keys_cmd({"activate", new_id});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(contains(r.output, "re-sealed 1 rows"));

  // Step 3: the old key goes.
  r = keys_cmd({"retire", old_id});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(mode_of(key_path) == 0600);
  CHECK_FALSE(load_keys(key_path).has_key(old_id));
  CHECK(rows_by_key(db_path, key_path) ==
        std::map<std::string, int>{{new_id, 3}});
  r = keys_cmd({"list"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, new_id + "  current  3"));
  CHECK_FALSE(contains(r.output, old_id));
  r = keys_cmd({"retire", new_id});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "is current"));
}

TEST_CASE("keys rotate: the same two steps under one name") {
  const temp_folder dir;
  const auto db_path = dir.file("latchkey.db");
  const auto key_path = dir.file("latchkey.key");
  const auto old_keys = *storage::key_ring::load_file(key_path, true);
  {
    const auto db = open_store(db_path);
    add_sealed_user(*db, old_keys, "alice");
  }
  const std::vector<std::string> paths = {"--database", db_path, "--key-file",
                                          key_path};
  std::vector<std::string> begin = {"keys", "rotate"};
  begin.insert(begin.end(), paths.begin(), paths.end());
  auto r = run_latchkey(begin);
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const std::string new_id = first_line(r.output);
  CHECK(contains(r.output, "latchkey keys rotate " + new_id));
  CHECK(load_keys(key_path).current_key_id() == old_keys.current_key_id());

  std::vector<std::string> finish = {"keys", "rotate", new_id};
  finish.insert(finish.end(), paths.begin(), paths.end());
  r = run_latchkey(finish);
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(contains(r.output, "re-sealed 1 rows"));
  CHECK(load_keys(key_path).current_key_id() == new_id);
  CHECK(rows_by_key(db_path, key_path) ==
        std::map<std::string, int>{{new_id, 1}});
}

TEST_CASE("keys: list never shows key material and flags missing keys") {
  const temp_folder dir;
  const auto db_path = dir.file("latchkey.db");
  const auto key_path = dir.file("latchkey.key");
  const auto other_path = dir.file("other.key");
  const auto keys = *storage::key_ring::load_file(key_path, true);
  const auto other = *storage::key_ring::load_file(other_path, true);
  {
    const auto db = open_store(db_path);
    add_sealed_user(*db, other, "mallory");
  }
  const auto r = run_latchkey(
      {"keys", "list", "--database", db_path, "--key-file", key_path});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, other.current_key_id() + "  MISSING  1"));
  CHECK(contains(r.output, keys.current_key_id() + "  current  0"));
  // No line of the key file but its id appears in the output.
  std::istringstream file(read_all(key_path));
  for (std::string line; std::getline(file, line);) {
    const auto colon = line.find("\": \"");
    if (colon == std::string::npos || contains(line, "current"))
      continue;
    const auto key_text = line.substr(colon + 4, 43);
    CHECK_FALSE(contains(r.output, key_text));
  }
  // Activating cannot re-seal a row whose key is missing: refused, and the
  // key file is left as it was.
  const auto before = read_all(key_path);
  const auto a = run_latchkey({"keys", "activate", keys.current_key_id(),
                               "--database", db_path, "--key-file", key_path});
  CHECK(a.exit_code == 1);
  CHECK(contains(a.output, other.current_key_id()));
  CHECK(read_all(key_path) == before);
}

TEST_CASE("keys: a missing key file or database is refused, not created") {
  const temp_folder dir;
  const auto db_path = dir.file("latchkey.db");
  const auto key_path = dir.file("latchkey.key");
  open_store(db_path);
  auto r = run_latchkey({"keys", "add", "--key-file", key_path});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, key_path));
  CHECK_FALSE(fs::exists(key_path));

  REQUIRE(storage::key_ring::load_file(key_path, true).has_value());
  const auto missing_db = dir.file("missing.db");
  r = run_latchkey(
      {"keys", "list", "--database", missing_db, "--key-file", key_path});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, missing_db));
  CHECK_FALSE(fs::exists(missing_db));

  ::chmod(key_path.c_str(), 0640);
  r = run_latchkey(
      {"keys", "list", "--database", db_path, "--key-file", key_path});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, key_path));
}

TEST_CASE("keys: environment keys are not managed by these commands") {
  ::setenv("LATCHKEY_SECRET_KEYS", "{}", 1);
  const auto r = run_latchkey({"keys", "list"});
  ::unsetenv("LATCHKEY_SECRET_KEYS");
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "LATCHKEY_SECRET_KEYS"));
}
