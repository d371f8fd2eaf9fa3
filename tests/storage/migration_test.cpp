// Opening SQLite files: new, empty, every earlier schema version, newer
// than this build, damaged, foreign. A refused file is left unchanged.
#include "tests/storage/backend.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "storage/schema.hpp"
#include "storage/sqlite.hpp"
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <random>

#include <sys/stat.h>

using storage::errc;
namespace schema = storage::schema;
namespace sqlite = storage::sqlite;

namespace {

sqlite::connection open_raw(const std::string& path) {
  sqlite::connection c;
  std::string message;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  REQUIRE_MESSAGE(
      sqlite::connection::open(path, flags, c, message) == SQLITE_OK, message);
  return c;
}

std::int64_t integer(sqlite::connection& c, const char* sql) {
  std::int64_t value = -1;
  REQUIRE(sqlite::query_integer(c, sql, value) == SQLITE_OK);
  return value;
}

void exec(sqlite::connection& c, const std::string& sql) {
  REQUIRE_MESSAGE(c.exec(sql.c_str()) == SQLITE_OK, c.last_message());
}

// A database at schema `version`, built from the SQL kept for each
// migration, the way that version of Latchkey left it.
void build_at_version(const std::string& path, int version) {
  auto c = open_raw(path);
  exec(c, "PRAGMA journal_mode = WAL");
  for (const auto& step : schema::migrations()) {
    if (step.version <= version) {
      exec(c, std::string(step.sql));
    }
  }
  exec(c, "PRAGMA application_id = " + std::to_string(schema::kApplicationId) +
              "; PRAGMA user_version = " + std::to_string(version));
}

// Rows in the columns that version 1 already had, so every later version
// keeps them.
void fill_version_1_rows(const std::string& path) {
  auto c = open_raw(path);
  exec(c, R"sql(
INSERT INTO users (id, handle, username, display_name, password_hash,
                   policy_state, created_at)
  VALUES (7, x'0102', 'alice', 'Alice', '$argon2id$h', '{"p":1}', 1000);
INSERT INTO credentials (id, user_id, public_key, algorithm, sign_count,
    transports, aaguid, attestation_format, attestation_type,
    attestation_trusted, attestation_object, backup_eligible, backup_state,
    uv_initialized, nickname, created_at, last_used_at, possibly_cloned)
  VALUES (x'c0ffee', 7, x'a501', -7, 12, '["usb"]', x'00', 'packed', 'basic',
          1, x'a3', 1, 0, 1, 'old key', 2000, 3000, 0);
INSERT INTO sessions VALUES (x'5e', 7, 1, '[]', 1000, 1000, 4102444800000,
                             '192.0.2.1', 'agent');
INSERT INTO totp_enrollments (user_id, confirmed, key_id, secret, algorithm,
    digits, period, last_step, created_at)
  VALUES (7, 1, 'k1', x'5ec2e7', 'SHA1', 6, 30, 42, 1000);
INSERT INTO recovery_codes VALUES (7, 'r1', '$argon2id$r', NULL);
INSERT INTO rate_limits VALUES ('user:alice', 1000, 3, NULL);
INSERT INTO audit_events (at, user_id, event, outcome, address, user_agent,
                          detail)
  VALUES (1000, 7, 'sign_in', 'ok', '192.0.2.1', 'agent', '');
)sql");
}

void check_version_1_rows(storage::store& db) {
  const common::time_point far = common::from_unix_seconds(0);
  const auto alice = db.find_user_by_name("alice");
  REQUIRE(alice);
  CHECK(alice->id == 7);
  CHECK(alice->policy_state == R"({"p":1})");
  const auto cred = db.find_credential(common::bytes{0xc0, 0xff, 0xee});
  REQUIRE(cred);
  CHECK(cred->sign_count == 12);
  CHECK(cred->nickname == "old key");
  CHECK(cred->transports == std::vector<std::string>{"usb"});
  CHECK_FALSE(cred->suspended);
  CHECK(db.find_session(common::bytes{0x5e}, far));
  CHECK(db.find_totp(7)->confirmed->last_step == 42);
  CHECK(db.find_recovery_code(7, "r1"));
  CHECK(db.find_rate_limit("user:alice")->failures == 3);
  CHECK(db.list_audit(0, 10, 7)->size() == 1);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

storage::open_result<std::unique_ptr<storage::store>> open_at(
    const std::string& path) {
  storage::sqlite_options options;
  options.path = path;
  return storage::open_sqlite_store(options);
}

// Opening `path` fails with `code`, names the file, and leaves it as it was.
std::string refused_unchanged(const std::string& path, errc code) {
  const std::string before = read_file(path);
  const auto opened = open_at(path);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == code);
  CHECK(opened.error().message.find(path) != std::string::npos);
  CHECK(read_file(path) == before);
  return opened.error().message;
}

}  // namespace

TEST_CASE("migrations: a new file gets the latest schema") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("new.db");
  REQUIRE(open_at(path));
  auto c = open_raw(path);
  CHECK(integer(c, "PRAGMA user_version") == schema::latest_version());
  CHECK(integer(c, "PRAGMA application_id") == schema::kApplicationId);
  CHECK(storage::current_schema_version() == schema::latest_version());
  CHECK_FALSE(std::filesystem::exists(path + ".backup-v0"));
}

TEST_CASE("migrations: an empty file is an empty database") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("empty.db");
  write_file(path, "");
  REQUIRE(open_at(path));
  auto c = open_raw(path);
  CHECK(integer(c, "PRAGMA user_version") == schema::latest_version());
}

TEST_CASE("migrations: every earlier version migrates, after a backup") {
  for (int version = 1; version < schema::latest_version(); ++version) {
    CAPTURE(version);
    storage_test::temp_dir dir;
    const std::string path = dir.file("old.db");
    build_at_version(path, version);
    fill_version_1_rows(path);

    auto opened = open_at(path);
    REQUIRE_MESSAGE(opened, opened.error().message);
    check_version_1_rows(**opened);
    auto c = open_raw(path);
    CHECK(integer(c, "PRAGMA user_version") == schema::latest_version());

    const std::string backup = path + ".backup-v" + std::to_string(version);
    REQUIRE(std::filesystem::exists(backup));
    auto copy = open_raw(backup);
    CHECK(integer(copy, "PRAGMA user_version") == version);
    CHECK(integer(copy, "SELECT count(*) FROM credentials") == 1);
  }
}

TEST_CASE("migrations: a second backup of one version keeps the first") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("old.db");
  build_at_version(path, 1);
  write_file(path + ".backup-v1", "an earlier copy");
  REQUIRE(open_at(path));
  CHECK(read_file(path + ".backup-v1") == "an earlier copy");
  CHECK(std::filesystem::exists(path + ".backup-v1.2"));
}

TEST_CASE("migrations: a database newer than this build is refused") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("newer.db");
  REQUIRE(open_at(path));
  {
    auto c = open_raw(path);
    exec(c, "PRAGMA user_version = " +
                std::to_string(schema::latest_version() + 1));
  }
  const std::string message = refused_unchanged(path, errc::database_too_new);
  CHECK(message.find(std::to_string(schema::latest_version() + 1)) !=
        std::string::npos);
  CHECK(message.find("up to " + std::to_string(schema::latest_version())) !=
        std::string::npos);
}

TEST_CASE("migrations: random bytes are not a database") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("random.db");
  std::mt19937 random(7);
  std::string junk(8192, '\0');
  for (auto& ch : junk) {
    ch = static_cast<char>(random());
  }
  write_file(path, junk);
  refused_unchanged(path, errc::database_corrupt);
}

TEST_CASE("migrations: another application's SQLite database is refused") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("other.db");
  {
    auto c = open_raw(path);
    exec(c,
         "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT);"
         "INSERT INTO photos VALUES (1, 'beach');");
  }
  const auto message = refused_unchanged(path, errc::database_corrupt);
  CHECK(message.find("another application") != std::string::npos);

  {
    auto c = open_raw(path);
    exec(c, "PRAGMA user_version = 1");
  }
  refused_unchanged(path, errc::database_corrupt);
}

TEST_CASE("migrations: a damaged Latchkey database is refused") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("damaged.db");
  {
    auto db = open_at(path);
    REQUIRE(db);
    for (int n = 0; n < 50; ++n) {
      REQUIRE((*db)->create_user(
          storage_test::sample_user("user" + std::to_string(n)),
          common::from_unix_seconds(0)));
    }
  }
  std::string data = read_file(path);
  REQUIRE(data.size() > 3 * 4096);
  // Page 2 is the root of the first table: wreck its b-tree header.
  std::fill(data.begin() + 4096, data.begin() + 4096 + 64, '\xff');
  write_file(path, data);
  const auto message = refused_unchanged(path, errc::database_corrupt);
  CHECK(message.find(path) != std::string::npos);
}

TEST_CASE("migrations: only file paths are accepted") {
  CHECK(open_at(":memory:").error().code == errc::io_failed);
  CHECK(open_at("").error().code == errc::io_failed);
}

TEST_CASE("db check: the report of a sound database") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("check.db");
  REQUIRE(open_at(path));
  const auto report = storage::check_sqlite_database(path);
  REQUIRE(report);
  CHECK(report->integrity_ok);
  CHECK(report->schema_version == schema::latest_version());
  CHECK(storage::check_sqlite_database(dir.file("missing.db")).error().code ==
        errc::io_failed);
}

TEST_CASE(
    "db backup: a consistent copy of a live database, never over a file") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("live.db");
  auto db = open_at(path);
  REQUIRE(db);
  const auto u = (*db)->create_user(storage_test::sample_user("alice"),
                                    common::from_unix_seconds(0));
  REQUIRE(u);
  const std::string copy = dir.file("copy.db");
  REQUIRE(storage::backup_sqlite_database(path, copy));
  auto reopened = open_at(copy);
  REQUIRE(reopened);
  CHECK((*reopened)->find_user_by_name("alice"));
  const auto again = storage::backup_sqlite_database(path, copy);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == errc::already_exists);
}

TEST_CASE("migrations: a released migration never changes") {
  // Databases in the field were built by these exact statements; a change
  // to one would leave them different from a new database of the same
  // version. A new version appends a migration and a digest here.
  const char* const kDigests[] = {
      "d0cce9f0b801e50d496cc8f18574ca80eef35fee903c62661cb66f32888352ae",
      "3d9d576e6e734baf042b22f4c28589d242d78018a6b91a1a0de1e4c2099772cc",
      "840f65f645e1e81257d54dd69ce6ee25e4ba1d69b7538637fa22ac294ee55cd1",
  };
  const auto steps = schema::migrations();
  REQUIRE(steps.size() == std::size(kDigests));
  for (std::size_t i = 0; i < steps.size(); ++i) {
    CAPTURE(steps[i].version);
    CHECK(steps[i].version == static_cast<int>(i) + 1);
    CHECK(common::hex_encode(common::sha256(common::as_bytes(steps[i].sql))) ==
          kDigests[i]);
  }
}

TEST_CASE("a new database and a backup copy are readable by their owner only") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("private.db");
  build_at_version(path, 1);
  ::chmod(path.c_str(), 0600);
  const mode_t old_mask = ::umask(022);
  REQUIRE(open_at(path));
  const std::string fresh = dir.file("fresh.db");
  REQUIRE(open_at(fresh));
  ::umask(old_mask);
  struct stat info {};
  REQUIRE(::stat(fresh.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  REQUIRE(::stat((path + ".backup-v1").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
}

TEST_CASE("a ceremony of a kind this build does not know is refused") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("kinds.db");
  auto opened = open_at(path);
  REQUIRE(opened);
  {
    auto c = open_raw(path);
    exec(c,
         "INSERT INTO ceremonies VALUES (x'01', 'future_kind', NULL, x'', "
         "x'02', 'required', 9000000000000, '{}')");
  }
  const common::bytes handle = {0x01};
  const auto taken = (*opened)->take_ceremony(
      handle, common::from_unix_seconds(1'700'000'000));
  REQUIRE(taken.has_error());
  CHECK(taken.error() == errc::database_corrupt);
}
