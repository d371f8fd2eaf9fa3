// `latchkey user` and `latchkey admin-key`, run as the real binary against
// databases made and inspected through the storage API, each test in a
// folder of its own.
#include "server_process.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "server/ceremonies.hpp"
#include "server/sessions.hpp"
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include <unistd.h>

using test_support::command_result;
using test_support::run_latchkey;

namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The value after "NAME: " on the line that starts with it.
std::string line_value(const std::string& output, const std::string& name) {
  const std::string start = name + ": ";
  const auto at = output.find("\n" + start);
  const auto from = at == std::string::npos
                        ? (output.starts_with(start) ? 0 : std::string::npos)
                        : at + 1;
  REQUIRE_MESSAGE(from != std::string::npos, "no " << name << " in " << output);
  const auto value = from + start.size();
  return output.substr(value, output.find('\n', value) - value);
}

// A database in a fresh folder, removed with the folder at the end.
class scratch_database {
 public:
  scratch_database()
      : folder_(fs::temp_directory_path() /
                ("latchkey-users-" + std::to_string(::getpid()) + "-" +
                 std::to_string(next_++))) {
    fs::create_directories(folder_);
    storage::sqlite_options options;
    options.path = path();
    auto opened = storage::open_sqlite_store(options);
    REQUIRE_MESSAGE(opened.has_value(), opened.error().message);
    db_ = std::move(*opened);
  }
  ~scratch_database() {
    db_.reset();
    std::error_code ignored;
    fs::remove_all(folder_, ignored);
  }
  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;

  std::string path() const { return (folder_ / "latchkey.db").string(); }
  std::string folder() const { return folder_.string(); }
  storage::store& db() { return *db_; }

  // `latchkey user ARGS... --database PATH`.
  command_result user(std::vector<std::string> args) const {
    args.insert(args.begin(), "user");
    args.insert(args.end(), {"--database", path()});
    return run_latchkey(args);
  }
  command_result admin_key(std::vector<std::string> args) const {
    args.insert(args.begin(), "admin-key");
    args.insert(args.end(), {"--database", path()});
    return run_latchkey(args);
  }

  storage::user add_user(const std::string& name) {
    common::bytes handle(64, 0);
    std::copy(name.begin(), name.end(), handle.begin());
    auto made =
        db_->create_user({handle, name, "Person " + name, "$argon2id$x"},
                         std::chrono::system_clock::now());
    REQUIRE(made.has_value());
    return std::move(*made);
  }

  storage::user find(const std::string& name) {
    auto found = db_->find_user_by_name(name);
    REQUIRE(found.has_value());
    return std::move(*found);
  }

  // A key, a confirmed TOTP, three recovery codes and two sessions.
  void add_factors(storage::user_id user) {
    const auto now = std::chrono::system_clock::now();
    storage::credential key;
    key.id = common::bytes(16, static_cast<std::uint8_t>(user));
    key.user = user;
    key.public_key = common::bytes(77, 1);
    key.algorithm = -7;
    key.aaguid = common::bytes(16, 0);
    key.attestation_format = "none";
    key.attestation_type = "none";
    key.nickname = "YubiKey";
    key.created_at = now;
    REQUIRE(db_->add_credential(key).has_value());
    storage::totp_enrollment totp;
    totp.user = user;
    totp.secret = {"test-key", common::bytes(48, 7)};
    totp.algorithm = "SHA1";
    totp.created_at = now;
    REQUIRE(db_->put_pending_totp(totp).has_value());
    REQUIRE(db_->confirm_totp(user, 1).has_value());
    REQUIRE(db_->replace_recovery_codes(user, {{"a", "$argon2id$a", {}},
                                               {"b", "$argon2id$b", {}},
                                               {"c", "$argon2id$c", {}}})
                .has_value());
    for (std::uint8_t i = 0; i < 2; ++i) {
      storage::session s;
      s.token_hash = common::bytes(32, static_cast<std::uint8_t>(user * 2 + i));
      s.user = user;
      s.assurance = 2;
      s.methods = server::session_state{}.to_json();
      s.created_at = now;
      s.last_seen_at = now;
      s.expires_at = now + std::chrono::hours(1);
      s.address = "192.0.2.7";
      s.user_agent = "Firefox";
      REQUIRE(db_->put_session(s).has_value());
    }
  }

  std::size_t live_sessions(storage::user_id user) {
    return db_->list_sessions(user, std::chrono::system_clock::now())->size();
  }

  std::vector<storage::audit_event> audit_of(storage::user_id user) {
    auto events = db_->list_audit(0, 1000, user);
    REQUIRE(events.has_value());
    return std::move(*events);
  }

 private:
  static inline int next_ = 0;
  fs::path folder_;
  std::unique_ptr<storage::store> db_;
};

bool redeems(storage::store& db, const std::string& token,
             storage::ceremony_kind kind, storage::user_id user) {
  const auto taken = server::redeem_one_time_token(
      db, token, kind, std::chrono::system_clock::now());
  return taken.has_value() && *taken == user;
}

}  // namespace

TEST_CASE("user and admin-key commands explain themselves") {
  auto r = run_latchkey({"user", "--help"});
  CHECK(r.exit_code == 0);
  for (const auto* part :
       {"user add NAME [--display-name TEXT]", "reset-password NAME",
        "reset-factors NAME", "delete NAME", "enable NAME", "LATCHKEY_DATABASE",
        "--origin", "Exit status"})
    CHECK_MESSAGE(contains(r.output, part), part);
  r = run_latchkey({"admin-key", "--help"});
  CHECK(r.exit_code == 0);
  for (const auto* part : {"--role admin|introspect", "remove NAME",
                           "never the", "LATCHKEY_DATABASE"})
    CHECK_MESSAGE(contains(r.output, part), part);
  r = run_latchkey({"--help"});
  CHECK(contains(r.output, "user "));
  CHECK(contains(r.output, "admin-key "));
}

TEST_CASE("user and admin-key commands refuse bad usage with status 2") {
  scratch_database scratch;
  const std::string db = scratch.path();
  for (const auto& args :
       {std::vector<std::string>{"user"},
        {"user", "frobnicate", "--database", db},
        {"user", "add", "--database", db},
        {"user", "show", "--database", db},
        {"user", "list", "extra", "--database", db},
        {"user", "add", "ann", "--display-name"},
        {"user", "add", "ann", "--display-name", "A", "--display-name", "B",
         "--database", db},
        {"user", "show", "ann", "--display-name", "A", "--database", db},
        {"user", "delete", "ann", "bob", "--database", db},
        {"user", "list", "--no-such-flag"},
        {"admin-key"},
        {"admin-key", "rotate", "--database", db},
        {"admin-key", "add", "--database", db},
        {"admin-key", "add", "ci", "--role", "root", "--database", db},
        {"admin-key", "add", "ci", "--role"},
        {"admin-key", "list", "--role", "admin", "--database", db},
        {"admin-key", "remove", "--database", db}}) {
    CAPTURE(args.size() > 1 ? args[1] : args[0]);
    CHECK(run_latchkey(args).exit_code == 2);
  }
  // Nothing was made by any of them.
  CHECK(scratch.db().list_users(0, 10)->empty());
  CHECK(scratch.db().list_values("admin-key:")->empty());

  // A database that does not exist is refused, never created.
  const std::string missing = scratch.folder() + "/missing.db";
  for (const auto& args :
       {std::vector<std::string>{"user", "list", "--database", missing},
        {"user", "add", "ann", "--database", missing},
        {"admin-key", "list", "--database", missing}}) {
    const auto r = run_latchkey(args);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, missing));
  }
  CHECK_FALSE(fs::exists(missing));
}

TEST_CASE("user add makes an account without factors and an enrollment link") {
  scratch_database scratch;
  const auto r = scratch.user({"add", " Ann ", "--display-name", "Ann Lee"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto ann = scratch.find("ann");
  CHECK(ann.display_name == "Ann Lee");
  CHECK_FALSE(ann.password_hash.has_value());
  CHECK_FALSE(ann.disabled);
  CHECK(ann.handle.size() == 64);
  CHECK(scratch.db().list_credentials(ann.id)->empty());
  const auto token = line_value(r.output, "token");
  CHECK(line_value(r.output, "url") ==
        "http://localhost:8080/#enroll=" + token);
  CHECK(common::parse_time(line_value(r.output, "expires")).has_value());
  CHECK(redeems(scratch.db(), token, storage::ceremony_kind::factor_reset,
                ann.id));
  const auto events = scratch.audit_of(ann.id);
  REQUIRE(events.size() == 1);
  CHECK(events[0].event == "user_created");
  CHECK(events[0].address == "latchkey user");
  CHECK(nlohmann::json::parse(events[0].detail)["uid"] == ::getuid());

  // The display name defaults to the username; links follow --origin.
  const auto bob =
      scratch.user({"add", "bob", "--origin", "https://login.example.com",
                    "--reset-token-lifetime", "1h"});
  REQUIRE_MESSAGE(bob.exit_code == 0, bob.output);
  CHECK(scratch.find("bob").display_name == "bob");
  CHECK(line_value(bob.output, "url")
            .starts_with("https://login.example.com/#enroll="));
  const auto expires = common::parse_time(line_value(bob.output, "expires"));
  REQUIRE(expires.has_value());
  CHECK(*expires < std::chrono::system_clock::now() + std::chrono::hours(2));
  CHECK(scratch.user({"add", "cat", "--display-name=Cat C"}).exit_code == 0);
  CHECK(scratch.find("cat").display_name == "Cat C");
}

TEST_CASE("user add refuses a taken, invalid or badly shown name") {
  scratch_database scratch;
  scratch.add_user("ann");
  auto r = scratch.user({"add", "ANN"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "taken"));
  r = scratch.user({"add", "a b"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "not a username"));
  r = scratch.user({"add", "bob", "--display-name", std::string(65, 'x')});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "display name"));
  CHECK(scratch.db().list_users(0, 10)->size() == 1);
}

TEST_CASE("user list and show print accounts with their factors") {
  scratch_database scratch;
  const auto ann = scratch.add_user("ann");
  scratch.add_user("bob");
  scratch.add_factors(ann.id);
  auto r = scratch.user({"list"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(contains(r.output, "username"));
  CHECK(contains(r.output, "ann"));
  CHECK(contains(r.output, "bob"));
  CHECK(contains(r.output, "confirmed"));

  r = scratch.user({"show", "Ann"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(line_value(r.output, "user") ==
        "ann (number " + std::to_string(ann.id) + ")");
  CHECK(line_value(r.output, "display name") == "Person ann");
  CHECK(line_value(r.output, "password") == "yes");
  CHECK(line_value(r.output, "keys") == "1");
  CHECK(contains(r.output, "\"YubiKey\""));
  CHECK(line_value(r.output, "totp") == "confirmed");
  CHECK(line_value(r.output, "recovery codes left") == "3");
  CHECK(line_value(r.output, "sessions") == "2");
  CHECK(contains(r.output, "192.0.2.7"));
  CHECK(contains(r.output, "Firefox"));
  // Reading changes nothing and records nothing.
  CHECK(scratch.audit_of(ann.id).empty());
}

TEST_CASE("user disable ends sessions and enable lets the user back") {
  scratch_database scratch;
  const auto ann = scratch.add_user("ann");
  scratch.add_factors(ann.id);
  auto r = scratch.user({"disable", "ann"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(scratch.find("ann").disabled);
  CHECK(scratch.live_sessions(ann.id) == 0);
  // Factors stay: a disabled account is kept, only shut.
  CHECK(scratch.db().list_credentials(ann.id)->size() == 1);
  r = scratch.user({"enable", "ann"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK_FALSE(scratch.find("ann").disabled);
  const auto events = scratch.audit_of(ann.id);
  REQUIRE(events.size() == 2);
  CHECK(events[0].event == "user_enabled");
  CHECK(events[1].event == "user_disabled");
  CHECK(events[1].address == "latchkey user");
}

TEST_CASE("user reset-password prints a token that redeems once") {
  scratch_database scratch;
  const auto ann = scratch.add_user("ann");
  scratch.add_factors(ann.id);
  const auto r = scratch.user({"reset-password", "ann"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto token = line_value(r.output, "token");
  CHECK(line_value(r.output, "url") == "http://localhost:8080/#reset=" + token);
  // Nothing is reset until the person redeems it with a second factor.
  CHECK(scratch.live_sessions(ann.id) == 2);
  CHECK(scratch.find("ann").password_hash == "$argon2id$x");
  CHECK_FALSE(redeems(scratch.db(), token, storage::ceremony_kind::factor_reset,
                      ann.id));
  const auto again =
      line_value(scratch.user({"reset-password", "ann"}).output, "token");
  CHECK(redeems(scratch.db(), again, storage::ceremony_kind::password_reset,
                ann.id));
  CHECK_FALSE(redeems(scratch.db(), again,
                      storage::ceremony_kind::password_reset, ann.id));
  CHECK(scratch.audit_of(ann.id).front().event == "password_reset_issued");
}

TEST_CASE("a new reset link voids the links of its kind issued before") {
  scratch_database scratch;
  const auto ann = scratch.add_user("ann");
  const auto bob = scratch.add_user("bob");
  scratch.add_factors(ann.id);
  const auto token_of = [&](const std::string& command,
                            const std::string& name) {
    const auto r = scratch.user({command, name});
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    return line_value(r.output, "token");
  };
  using kind = storage::ceremony_kind;
  const auto first = token_of("reset-password", "ann");
  const auto bobs = token_of("reset-password", "bob");
  const auto enroll = token_of("reset-factors", "ann");
  const auto second = token_of("reset-password", "ann");
  CHECK_FALSE(redeems(scratch.db(), first, kind::password_reset, ann.id));
  CHECK(redeems(scratch.db(), second, kind::password_reset, ann.id));
  // Another user's link and a link of the other kind are not touched.
  CHECK(redeems(scratch.db(), bobs, kind::password_reset, bob.id));
  CHECK(redeems(scratch.db(), enroll, kind::factor_reset, ann.id));
  const auto enroll_first = token_of("reset-factors", "ann");
  const auto enroll_second = token_of("reset-factors", "ann");
  CHECK_FALSE(redeems(scratch.db(), enroll_first, kind::factor_reset, ann.id));
  CHECK(redeems(scratch.db(), enroll_second, kind::factor_reset, ann.id));
}

TEST_CASE("user reset-factors removes factors and sessions, prints a link") {
  scratch_database scratch;
  const auto ann = scratch.add_user("ann");
  const auto bob = scratch.add_user("bob");
  scratch.add_factors(ann.id);
  scratch.add_factors(bob.id);
  const auto r = scratch.user({"reset-factors", "ann"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  auto& db = scratch.db();
  CHECK(db.list_credentials(ann.id)->empty());
  CHECK_FALSE(db.find_totp(ann.id)->confirmed.has_value());
  CHECK(*db.count_unused_recovery_codes(ann.id) == 0);
  CHECK(scratch.live_sessions(ann.id) == 0);
  // The password stays; so does everything of bob's.
  CHECK(scratch.find("ann").password_hash.has_value());
  CHECK(db.list_credentials(bob.id)->size() == 1);
  CHECK(scratch.live_sessions(bob.id) == 2);
  const auto token = line_value(r.output, "token");
  CHECK(line_value(r.output, "url") ==
        "http://localhost:8080/#enroll=" + token);
  CHECK(redeems(db, token, storage::ceremony_kind::factor_reset, ann.id));
  const auto event = scratch.audit_of(ann.id).front();
  CHECK(event.event == "factors_reset");
  const auto detail = nlohmann::json::parse(event.detail);
  CHECK(detail["credentials"] == 1);
  CHECK(detail["recoveryCodes"] == 3);
}

TEST_CASE("user delete erases the account and its audit details") {
  scratch_database scratch;
  const auto ann = scratch.add_user("ann");
  scratch.add_factors(ann.id);
  REQUIRE(scratch.user({"disable", "ann"}).exit_code == 0);
  // Wrong passwords counted against the name, as the server keys them.
  const std::string guesses = "guess:password:ann";
  REQUIRE(scratch.db()
              .record_failure(guesses, std::chrono::system_clock::now(),
                              std::chrono::hours(1))
              .has_value());
  const auto r = scratch.user({"delete", "ann"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK_FALSE(scratch.db().find_user(ann.id).has_value());
  // The name does not outlive the account, nor lock its next holder out.
  CHECK_FALSE(scratch.db().find_rate_limit(guesses).has_value());
  CHECK(scratch.db().list_credentials(ann.id)->empty());
  const auto events = scratch.audit_of(ann.id);
  REQUIRE(events.size() == 2);
  CHECK(events[0].event == "user_deleted");
  CHECK(events[1].event == "user_disabled");
  CHECK(events[1].address.empty());
  CHECK(events[1].detail == "{}");
  CHECK(scratch.user({"show", "ann"}).exit_code == 1);
  CHECK(scratch.user({"add", "ann"}).exit_code == 0);
  CHECK(scratch.find("ann").id != ann.id);
}

TEST_CASE("user commands refuse an unknown or invalid user with status 1") {
  scratch_database scratch;
  for (const auto* action : {"show", "disable", "enable", "reset-password",
                             "reset-factors", "delete"}) {
    CAPTURE(action);
    auto r = scratch.user({action, "nobody"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "no user is named nobody"));
    CHECK(scratch.user({action, "no body"}).exit_code == 1);
  }
  CHECK(scratch.db().list_audit(0, 10, std::nullopt)->empty());
}

TEST_CASE("admin-key add shows a key once and stores only its hash") {
  scratch_database scratch;
  const auto r = scratch.admin_key({"add", "ci"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const std::string key = r.output.substr(0, r.output.find('\n'));
  CHECK(key.starts_with("lk_"));
  const auto secret = common::base64url_decode(key.substr(3));
  REQUIRE(secret.has_value());
  CHECK(secret->size() == 32);
  const auto stored = scratch.db().find_value("admin-key:ci");
  REQUIRE(stored.has_value());
  const auto row = nlohmann::json::parse(stored->begin(), stored->end());
  CHECK(row["role"] == "admin");
  const auto digest = common::sha256(common::bytes(key.begin(), key.end()));
  CHECK(row["sha256"] == common::base64url_encode(digest));
  CHECK_FALSE(
      contains(std::string(stored->begin(), stored->end()), key.substr(3)));

  const auto backend =
      scratch.admin_key({"add", "back-end.1", "--role", "introspect"});
  REQUIRE(backend.exit_code == 0);
  CHECK(backend.output.substr(0, backend.output.find('\n')) != key);
  const auto listed = scratch.admin_key({"list"});
  REQUIRE(listed.exit_code == 0);
  CHECK(contains(listed.output, "ci"));
  CHECK(contains(listed.output, "back-end.1"));
  CHECK(contains(listed.output, "introspect"));
  CHECK_FALSE(contains(listed.output, key));
  CHECK_FALSE(contains(listed.output, "lk_"));

  const auto events = scratch.db().list_audit(0, 10, std::nullopt);
  REQUIRE(events->size() == 2);
  CHECK(events->back().event == "admin_key_added");
  CHECK(nlohmann::json::parse(events->back().detail)["key"] == "ci");
  CHECK_FALSE(contains(events->back().detail, key));
}

TEST_CASE("admin-key refuses a taken or invalid name and an unknown one") {
  scratch_database scratch;
  REQUIRE(scratch.admin_key({"add", "ci"}).exit_code == 0);
  const auto before = scratch.db().find_value("admin-key:ci").value();
  auto r = scratch.admin_key({"add", "ci", "--role", "introspect"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "already"));
  CHECK(scratch.db().find_value("admin-key:ci").value() == before);
  for (const auto& name : {std::string("a b"), std::string(65, 'k'),
                           std::string("ci:2"), std::string("é")}) {
    CAPTURE(name);
    CHECK(scratch.admin_key({"add", name}).exit_code == 1);
  }
  CHECK(scratch.admin_key({"remove", "nobody"}).exit_code == 1);
  r = scratch.admin_key({"remove", "ci"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(scratch.db().find_value("admin-key:ci").has_value());
  CHECK(scratch.admin_key({"remove", "ci"}).exit_code == 1);
  CHECK(scratch.db().list_audit(0, 1, std::nullopt)->front().event ==
        "admin_key_removed");
}
