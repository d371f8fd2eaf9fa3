#include "storage/sealing.hpp"

#include "common/encoding.hpp"
#include "tests/storage/backend.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace {

using storage::errc;
using storage::key_ring;
using storage::sealed_value;

constexpr std::string_view kTotp = "totp-secret";

common::bytes pattern(std::size_t size) {
  common::bytes out(size);
  for (std::size_t i = 0; i < size; ++i)
    out[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return out;
}

key_ring fresh_ring() {
  auto ring = key_ring::generate();
  REQUIRE(ring.has_value());
  return std::move(*ring);
}

// A folder under the system's temporary folder, removed with its contents.
class scratch_folder {
 public:
  scratch_folder() {
    std::string name =
        (std::filesystem::temp_directory_path() / "latchkey-seal-XXXXXX")
            .string();
    REQUIRE(::mkdtemp(name.data()) != nullptr);
    path_ = name;
  }
  scratch_folder(const scratch_folder&) = delete;
  scratch_folder& operator=(const scratch_folder&) = delete;
  ~scratch_folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  std::string file(std::string_view name) const {
    return (path_ / name).string();
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(
        std::distance(std::filesystem::directory_iterator(path_),
                      std::filesystem::directory_iterator()));
  }

 private:
  std::filesystem::path path_;
};

// Sets the process umask for one scope.
class umask_scope {
 public:
  explicit umask_scope(mode_t mask) : old_(::umask(mask)) {}
  umask_scope(const umask_scope&) = delete;
  umask_scope& operator=(const umask_scope&) = delete;
  ~umask_scope() { ::umask(old_); }

 private:
  mode_t old_;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const std::string& path, std::string_view text, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

mode_t mode_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

ino_t inode_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_ino;
}

std::string key_text(std::uint8_t fill, std::size_t size = 32) {
  return common::base64url_encode(common::bytes(size, fill));
}

std::string key_file(std::string_view current, std::string_view keys) {
  return "{\"version\": 1, \"current\": \"" + std::string(current) +
         "\", \"keys\": {" + std::string(keys) + "}}";
}

// A store that holds sealed rows only; every other operation fails.
class sealed_rows_store final : public storage::store {
 public:
  std::vector<sealed_row> rows;
  std::vector<std::int64_t> deleted;  // replace_sealed answers not_found

  storage::result<std::vector<sealed_row>> list_sealed() override {
    return rows;
  }
  storage::result<void> replace_sealed(const sealed_row& row) override {
    for (const auto id : deleted) {
      if (id == row.row)
        return errc::not_found;
    }
    for (auto& held : rows) {
      if (held.table == row.table && held.row == row.row) {
        held = row;
        return {};
      }
    }
    return errc::not_found;
  }

  template <class T>
  static storage::result<T> refused() {
    return errc::io_failed;
  }

  using time_point = common::time_point;
  storage::result<storage::user> create_user(const storage::new_user&,
                                             time_point) override {
    return refused<storage::user>();
  }
  storage::result<storage::user> find_user(storage::user_id) override {
    return refused<storage::user>();
  }
  storage::result<storage::user> find_user_by_name(std::string_view) override {
    return refused<storage::user>();
  }
  storage::result<storage::user> find_user_by_handle(
      common::byte_view) override {
    return refused<storage::user>();
  }
  storage::result<void> set_password_hash(storage::user_id,
                                          const std::string&) override {
    return refused<void>();
  }
  storage::result<void> set_policy_state(storage::user_id,
                                         const std::string&) override {
    return refused<void>();
  }
  storage::result<void> delete_user(storage::user_id) override {
    return refused<void>();
  }
  storage::result<void> add_credential(const storage::credential&) override {
    return refused<void>();
  }
  storage::result<storage::credential> find_credential(
      common::byte_view) override {
    return refused<storage::credential>();
  }
  storage::result<std::vector<storage::credential>> list_credentials(
      storage::user_id) override {
    return refused<std::vector<storage::credential>>();
  }
  storage::result<storage::user_credentials> find_user_credentials(
      std::string_view) override {
    return refused<storage::user_credentials>();
  }
  storage::result<storage::user_credentials> find_user_credentials(
      storage::user_id) override {
    return refused<storage::user_credentials>();
  }
  storage::result<storage::owned_credential> find_owned_credential(
      common::byte_view) override {
    return refused<storage::owned_credential>();
  }
  storage::result<void> put_sign_in_ceremony(std::string_view,
                                             const ceremony_maker&) override {
    return refused<void>();
  }
  storage::result<void> put_sign_in_ceremony(storage::user_id,
                                             const ceremony_maker&) override {
    return refused<void>();
  }
  storage::result<void> record_sign_in(
      common::byte_view, const storage::sign_in_update&) override {
    return refused<void>();
  }
  storage::result<void> flag_possibly_cloned(common::byte_view) override {
    return refused<void>();
  }
  storage::result<void> set_suspended(common::byte_view, bool,
                                      const std::string&) override {
    return refused<void>();
  }
  storage::result<std::vector<storage::credential>> list_all_credentials(
      common::byte_view, std::size_t) override {
    return refused<std::vector<storage::credential>>();
  }
  storage::result<void> set_disabled(storage::user_id, bool) override {
    return refused<void>();
  }
  storage::result<void> commit_sign_in(const sign_in_commit&) override {
    return refused<void>();
  }
  storage::result<std::vector<storage::user>> list_users(storage::user_id,
                                                         std::size_t) override {
    return refused<std::vector<storage::user>>();
  }
  storage::result<std::size_t> erase_audit_details(storage::user_id) override {
    return refused<std::size_t>();
  }
  storage::result<std::size_t> forget_audit_addresses(
      common::time_point) override {
    return refused<std::size_t>();
  }
  storage::result<common::bytes> find_value(std::string_view) override {
    return refused<common::bytes>();
  }
  storage::result<common::bytes> put_value_if_absent(
      std::string_view, common::byte_view) override {
    return refused<common::bytes>();
  }
  storage::result<void> set_value(std::string_view,
                                  common::byte_view) override {
    return refused<void>();
  }
  storage::result<std::vector<std::pair<std::string, common::bytes>>>
  list_values(std::string_view) override {
    return refused<std::vector<std::pair<std::string, common::bytes>>>();
  }
  storage::result<void> delete_value(std::string_view) override {
    return refused<void>();
  }
  storage::result<void> rename_credential(storage::user_id, common::byte_view,
                                          const std::string&) override {
    return refused<void>();
  }
  storage::result<void> remove_credential(storage::user_id,
                                          common::byte_view) override {
    return refused<void>();
  }
  storage::result<void> put_ceremony(const storage::ceremony&) override {
    return refused<void>();
  }
  storage::result<storage::ceremony> take_ceremony(common::byte_view,
                                                   time_point) override {
    return refused<storage::ceremony>();
  }
  storage::result<void> put_sole_ceremony(const storage::ceremony&) override {
    return refused<void>();
  }
  sign_in_reads find_sign_in(common::byte_view, common::time_point,
                             common::byte_view) override {
    return {refused<storage::ceremony>(), refused<storage::owned_credential>()};
  }
  storage::result<storage::ceremony> peek_ceremony(common::byte_view,
                                                   time_point) override {
    return refused<storage::ceremony>();
  }
  storage::result<void> put_session(const storage::session&) override {
    return refused<void>();
  }
  storage::result<storage::session> find_session(common::byte_view,
                                                 time_point) override {
    return refused<storage::session>();
  }
  storage::result<void> touch_session(common::byte_view, time_point) override {
    return refused<void>();
  }
  storage::result<void> delete_session(common::byte_view) override {
    return refused<void>();
  }
  storage::result<std::vector<storage::session>> list_sessions(
      storage::user_id, time_point) override {
    return refused<std::vector<storage::session>>();
  }
  storage::result<void> delete_sessions(storage::user_id,
                                        common::byte_view) override {
    return refused<void>();
  }
  storage::result<void> put_pending_totp(
      const storage::totp_enrollment&) override {
    return refused<void>();
  }
  storage::result<storage::totp_state> find_totp(storage::user_id) override {
    return refused<storage::totp_state>();
  }
  storage::result<void> confirm_totp(storage::user_id, std::int64_t) override {
    return refused<void>();
  }
  storage::result<void> accept_totp_step(storage::user_id,
                                         std::int64_t) override {
    return refused<void>();
  }
  storage::result<void> delete_totp(storage::user_id) override {
    return refused<void>();
  }
  storage::result<void> replace_recovery_codes(
      storage::user_id, const std::vector<storage::recovery_code>&) override {
    return refused<void>();
  }
  storage::result<storage::recovery_code> find_recovery_code(
      storage::user_id, std::string_view) override {
    return refused<storage::recovery_code>();
  }
  storage::result<void> use_recovery_code(storage::user_id, std::string_view,
                                          time_point) override {
    return refused<void>();
  }
  storage::result<std::size_t> count_unused_recovery_codes(
      storage::user_id) override {
    return refused<std::size_t>();
  }
  storage::result<storage::rate_limit> record_failure(
      const std::string&, time_point, std::chrono::seconds) override {
    return refused<storage::rate_limit>();
  }
  storage::result<storage::rate_limit> find_rate_limit(
      const std::string&) override {
    return refused<storage::rate_limit>();
  }
  storage::result<void> lock_until(const std::string&, time_point) override {
    return refused<void>();
  }
  storage::result<void> clear_rate_limit(const std::string&) override {
    return refused<void>();
  }
  storage::result<std::int64_t> append_audit(
      const storage::audit_event&) override {
    return refused<std::int64_t>();
  }
  storage::result<std::vector<storage::audit_event>> list_audit(
      std::int64_t, std::size_t, std::optional<storage::user_id>) override {
    return refused<std::vector<storage::audit_event>>();
  }
  storage::result<std::size_t> sweep(time_point) override {
    return refused<std::size_t>();
  }
};

storage::store::sealed_row totp_row(std::int64_t row, storage::user_id user,
                                    sealed_value value) {
  return {"totp_enrollments", row, user, std::move(value)};
}

}  // namespace

TEST_CASE("sealed values open again, for every size") {
  const key_ring ring = fresh_ring();
  for (const std::size_t size : {0, 1, 20, 64, 1000}) {
    CAPTURE(size);
    const auto plaintext = pattern(size);
    const auto sealed = ring.seal(kTotp, 42, plaintext);
    REQUIRE(sealed.has_value());
    CHECK(sealed->key_id == ring.current_key_id());
    CHECK(sealed->blob.size() == 12 + size + 16);
    const auto opened = ring.open(kTotp, 42, *sealed);
    REQUIRE(opened.has_value());
    CHECK(*opened == plaintext);
  }
}

TEST_CASE("each seal draws a fresh nonce") {
  const key_ring ring = fresh_ring();
  const auto plaintext = pattern(20);
  const auto a = ring.seal(kTotp, 1, plaintext);
  const auto b = ring.seal(kTotp, 1, plaintext);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->blob != b->blob);
  CHECK(!std::equal(a->blob.begin(), a->blob.begin() + 12, b->blob.begin()));
}

TEST_CASE("the ciphertext does not show the plaintext") {
  const key_ring ring = fresh_ring();
  const auto plaintext = pattern(64);
  const auto sealed = ring.seal(kTotp, 1, plaintext);
  REQUIRE(sealed.has_value());
  CHECK(!std::equal(plaintext.begin(), plaintext.end(),
                    sealed->blob.begin() + 12));
}

TEST_CASE("a flipped bit in nonce, ciphertext or tag is refused") {
  const key_ring ring = fresh_ring();
  const auto sealed = ring.seal(kTotp, 7, pattern(20));
  REQUIRE(sealed.has_value());
  // Nonce: 0..11, ciphertext: 12..31, tag: 32..47.
  for (const std::size_t at : {0, 11, 12, 20, 31, 32, 47}) {
    CAPTURE(at);
    sealed_value tampered = *sealed;
    tampered.blob[at] ^= 0x01;
    const auto opened = ring.open(kTotp, 7, tampered);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error() == errc::unseal_failed);
  }
}

TEST_CASE("a shortened, lengthened or empty blob is refused") {
  const key_ring ring = fresh_ring();
  const auto sealed = ring.seal(kTotp, 7, pattern(20));
  REQUIRE(sealed.has_value());
  for (const std::size_t size : {0, 1, 12, 27, 47}) {
    CAPTURE(size);
    sealed_value cut = *sealed;
    cut.blob.resize(size);
    const auto opened = ring.open(kTotp, 7, cut);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error() == errc::unseal_failed);
  }
  sealed_value longer = *sealed;
  longer.blob.push_back(0);
  CHECK(ring.open(kTotp, 7, longer).error() == errc::unseal_failed);
}

TEST_CASE("a value moved to another user or purpose is refused") {
  const key_ring ring = fresh_ring();
  const auto sealed = ring.seal(kTotp, 7, pattern(20));
  REQUIRE(sealed.has_value());
  CHECK(ring.open(kTotp, 8, *sealed).error() == errc::unseal_failed);
  CHECK(ring.open(kTotp, -7, *sealed).error() == errc::unseal_failed);
  CHECK(ring.open(kTotp, 7 + (std::int64_t{1} << 32), *sealed).error() ==
        errc::unseal_failed);
  CHECK(ring.open("totp-secreT", 7, *sealed).error() == errc::unseal_failed);
  CHECK(ring.open("recovery", 7, *sealed).error() == errc::unseal_failed);
  CHECK(ring.open("", 7, *sealed).error() == errc::unseal_failed);
}

TEST_CASE("a value relabelled with another key id is refused") {
  // Two ids for the same key bytes: only the associated data tells them
  // apart, so this shows that the key id is bound in.
  const auto ring = key_ring::parse(key_file(
      "a", "\"a\": \"" + key_text(9) + "\", \"b\": \"" + key_text(9) + "\""));
  REQUIRE(ring.has_value());
  const auto sealed = ring->seal(kTotp, 7, pattern(20));
  REQUIRE(sealed.has_value());
  CHECK(sealed->key_id == "a");
  sealed_value moved = *sealed;
  moved.key_id = "b";
  CHECK(ring->open(kTotp, 7, moved).error() == errc::unseal_failed);
  moved.key_id = "c";
  CHECK(ring->open(kTotp, 7, moved).error() == errc::unseal_failed);
  moved.key_id = "";
  CHECK(ring->open(kTotp, 7, moved).error() == errc::unseal_failed);
}

TEST_CASE("a value sealed by another ring does not open") {
  const key_ring a = fresh_ring();
  const key_ring b = fresh_ring();
  CHECK(a.current_key_id() != b.current_key_id());
  auto sealed = a.seal(kTotp, 7, pattern(20));
  REQUIRE(sealed.has_value());
  CHECK(b.open(kTotp, 7, *sealed).error() == errc::unseal_failed);
}

TEST_CASE("new key ids are 8 lower-case hex digits") {
  const key_ring ring = fresh_ring();
  const std::string& id = ring.current_key_id();
  CHECK(id.size() == 8);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(ring.has_key(id));
  CHECK_FALSE(ring.has_key("other"));
}

TEST_CASE("rotation: add a key, re-seal every row, retire the old key") {
  key_ring ring = fresh_ring();
  const std::string old_id = ring.current_key_id();
  const auto secret_a = pattern(20);
  const auto secret_b = pattern(32);
  auto sealed_a = ring.seal(kTotp, 1, secret_a);
  auto sealed_b = ring.seal(kTotp, 2, secret_b);
  REQUIRE(sealed_a.has_value());
  REQUIRE(sealed_b.has_value());

  REQUIRE(ring.add_key().has_value());
  const std::string new_id = ring.current_key_id();
  CHECK(new_id != old_id);
  CHECK(ring.has_key(old_id));
  // Values under the old key still open while it is kept.
  CHECK(ring.open(kTotp, 1, *sealed_a).value() == secret_a);

  const auto secret_c = pattern(10);
  auto sealed_c = ring.seal(kTotp, 3, secret_c);
  REQUIRE(sealed_c.has_value());
  CHECK(sealed_c->key_id == new_id);

  sealed_rows_store db;
  db.rows = {totp_row(10, 1, *sealed_a), totp_row(11, 2, *sealed_b),
             totp_row(12, 3, *sealed_c)};
  const auto resealed = storage::reseal_all(db, ring);
  REQUIRE(resealed.has_value());
  CHECK(*resealed == 2);
  for (const auto& row : db.rows)
    CHECK(row.value.key_id == new_id);
  CHECK(db.rows[2].value.blob == sealed_c->blob);  // left as it was

  REQUIRE(ring.remove_key(old_id).has_value());
  CHECK_FALSE(ring.has_key(old_id));
  CHECK(ring.open(kTotp, 1, db.rows[0].value).value() == secret_a);
  CHECK(ring.open(kTotp, 2, db.rows[1].value).value() == secret_b);
  CHECK(ring.open(kTotp, 3, db.rows[2].value).value() == secret_c);
  // A copy kept from before the rotation no longer opens.
  CHECK(ring.open(kTotp, 1, *sealed_a).error() == errc::unseal_failed);

  // Nothing left to do on a second run.
  CHECK(storage::reseal_all(db, ring).value() == 0);
}

TEST_CASE("rotation re-seals the TOTP secrets of the backend's store") {
  const storage_test::temp_dir dir;
  const auto db = storage_test::make_store(dir);
  key_ring ring = fresh_ring();
  const std::string old_id = ring.current_key_id();
  std::vector<std::pair<storage::user_id, common::bytes>> secrets;
  for (const char* name : {"ada", "grace"}) {
    const auto u = db->create_user(storage_test::sample_user(name), {});
    REQUIRE(u.has_value());
    storage::totp_enrollment e;
    e.user = u->id;
    e.algorithm = "SHA1";
    const auto secret = pattern(20 + secrets.size());
    auto sealed = ring.seal(kTotp, u->id, secret);
    REQUIRE(sealed.has_value());
    e.secret = std::move(*sealed);
    REQUIRE(db->put_pending_totp(e).has_value());
    secrets.emplace_back(u->id, secret);
  }

  REQUIRE(ring.add_key().has_value());
  CHECK(storage::reseal_all(*db, ring).value() == 2);
  REQUIRE(ring.remove_key(old_id).has_value());
  for (const auto& [user, secret] : secrets) {
    const auto state = db->find_totp(user);
    REQUIRE(state.has_value());
    REQUIRE(state->pending.has_value());
    const sealed_value& stored = state->pending->secret;
    CHECK(stored.key_id == ring.current_key_id());
    CHECK(ring.open(kTotp, user, stored).value() == secret);
  }
  CHECK(storage::reseal_all(*db, ring).value() == 0);
}

TEST_CASE("remove_key refuses the current key and unknown ids") {
  key_ring ring = fresh_ring();
  const auto removed = ring.remove_key(ring.current_key_id());
  REQUIRE_FALSE(removed.has_value());
  CHECK(removed.error() == errc::key_file_missing);
  CHECK(ring.has_key(ring.current_key_id()));
  CHECK(ring.remove_key("nope").error() == errc::not_found);
}

TEST_CASE("reseal_all stops at a row that does not open") {
  key_ring ring = fresh_ring();
  auto sealed = ring.seal(kTotp, 1, pattern(20));
  REQUIRE(sealed.has_value());
  REQUIRE(ring.add_key().has_value());
  sealed_rows_store db;
  db.rows = {totp_row(1, 2, *sealed)};  // bound to user 1, listed as 2
  storage::store::sealed_row failed;
  CHECK(storage::reseal_all(db, ring, &failed).error() == errc::unseal_failed);
  CHECK(db.rows[0].value.blob == sealed->blob);
  // The caller learns which row, to name it to the operator.
  CHECK(failed.row == 1);
  CHECK(failed.user == 2);
  CHECK(failed.table == db.rows[0].table);
}

TEST_CASE("reseal_all refuses a table it has no purpose for") {
  key_ring ring = fresh_ring();
  auto sealed = ring.seal(kTotp, 1, pattern(20));
  REQUIRE(sealed.has_value());
  REQUIRE(ring.add_key().has_value());
  sealed_rows_store db;
  db.rows = {{"mystery", 1, 1, *sealed}};
  CHECK(storage::reseal_all(db, ring).error() == errc::unseal_failed);
}

TEST_CASE("reseal_all skips a row deleted since it was listed") {
  key_ring ring = fresh_ring();
  auto a = ring.seal(kTotp, 1, pattern(20));
  auto b = ring.seal(kTotp, 2, pattern(20));
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  REQUIRE(ring.add_key().has_value());
  sealed_rows_store db;
  db.rows = {totp_row(1, 1, *a), totp_row(2, 2, *b)};
  db.deleted = {1};
  CHECK(storage::reseal_all(db, ring).value() == 1);
  CHECK(db.rows[1].value.key_id == ring.current_key_id());
}

TEST_CASE("parse reads the key file format") {
  const auto ring = key_ring::parse(key_file(
      "k2",
      "\"k1\": \"" + key_text(1) + "\", \"k2\": \"" + key_text(2) + "\""));
  REQUIRE(ring.has_value());
  CHECK(ring->current_key_id() == "k2");
  CHECK(ring->has_key("k1"));
  CHECK(ring->has_key("k2"));
}

TEST_CASE("parse refuses text that is not the key file format") {
  const std::string good = "\"k\": \"" + key_text(1) + "\"";
  const std::string cases[] = {
      "",
      "not json",
      "[]",
      "{\"version\": 1, \"current\": \"k\", \"keys\": {" + good,
      // Wrong key lengths.
      key_file("k", "\"k\": \"" + key_text(1, 31) + "\""),
      key_file("k", "\"k\": \"" + key_text(1, 33) + "\""),
      key_file("k", "\"k\": \"\""),
      // Not base64url: padding, another alphabet, a stray tail.
      key_file("k", "\"k\": \"" + key_text(1) + "=\""),
      key_file("k", "\"k\": \"+" + key_text(1).substr(1) + "\""),
      key_file("k", "\"k\": \"" + key_text(1).substr(0, 42) + "B\""),
      // The current key missing or not named.
      key_file("other", good),
      "{\"version\": 1, \"keys\": {" + good + "}}",
      key_file("", good),
      // Shape.
      "{\"version\": 2, \"current\": \"k\", \"keys\": {" + good + "}}",
      "{\"version\": \"1\", \"current\": \"k\", \"keys\": {" + good + "}}",
      "{\"version\": 1.0, \"current\": \"k\", \"keys\": {" + good + "}}",
      "{\"current\": \"k\", \"keys\": {" + good + "}}",
      "{\"version\": 1, \"current\": 5, \"keys\": {" + good + "}}",
      "{\"version\": 1, \"current\": \"k\", \"keys\": [\"" + key_text(1) +
          "\"]}",
      "{\"version\": 1, \"current\": \"k\", \"keys\": {" + good +
          "}, \"extra\": 0}",
      key_file("k", ""),
      key_file("k", "\"k\": 5"),
      key_file("k", "\"k\": {\"k\": \"" + key_text(1) + "\"}"),
      // A key id given twice, or with characters outside the id alphabet.
      key_file("k", good + ", " + good),
      key_file("k/1", "\"k/1\": \"" + key_text(1) + "\""),
      key_file("k 1", "\"k 1\": \"" + key_text(1) + "\""),
      key_file(std::string(65, 'k'),
               "\"" + std::string(65, 'k') + "\": \"" + key_text(1) + "\""),
      "{\"version\": 1, \"version\": 1, \"current\": \"k\", \"keys\": {" +
          good + "}}",
  };
  for (const auto& text : cases) {
    CAPTURE(text);
    const auto ring = key_ring::parse(text);
    REQUIRE_FALSE(ring.has_value());
    CHECK(ring.error() == errc::key_file_malformed);
  }
}

TEST_CASE("parse refuses deep nesting without exhausting the stack") {
  const std::string deep = std::string(30000, '[') + std::string(30000, ']');
  CHECK(key_ring::parse(deep).error() == errc::key_file_malformed);
  const std::string deep_keys =
      "{\"version\": 1, \"current\": \"k\", \"keys\": {\"k\": " +
      std::string(20000, '[') + std::string(20000, ']') + "}}";
  CHECK(key_ring::parse(deep_keys).error() == errc::key_file_malformed);
}

TEST_CASE("parse refuses an oversized text") {
  const std::string padding(70 * 1024, ' ');
  const auto ring = key_ring::parse(
      key_file("k", "\"k\": \"" + key_text(1) + "\"") + padding);
  CHECK(ring.error() == errc::key_file_malformed);
}

TEST_CASE("a new key file has mode 0600 even under a permissive umask") {
  for (const mode_t mask : {mode_t{0}, mode_t{022}, mode_t{077}}) {
    CAPTURE(mask);
    const scratch_folder folder;
    const std::string path = folder.file("latchkey.key");
    const umask_scope scope(mask);
    const auto created = key_ring::load_file(path, true);
    REQUIRE(created.has_value());
    CHECK(mode_of(path) == 0600);
    CHECK(folder.entries() == 1);  // no temporary file left behind

    // Loading it again gives the same keys.
    const auto loaded = key_ring::load_file(path, false);
    REQUIRE(loaded.has_value());
    CHECK(loaded->current_key_id() == created->current_key_id());
    const auto sealed = created->seal(kTotp, 5, pattern(20));
    REQUIRE(sealed.has_value());
    CHECK(loaded->open(kTotp, 5, *sealed).value() == pattern(20));
  }
}

TEST_CASE("an existing key file is read, never replaced") {
  const scratch_folder folder;
  const std::string path = folder.file("latchkey.key");
  const std::string text = key_file("k", "\"k\": \"" + key_text(3) + "\"");
  write_text(path, text, 0600);
  const auto ring = key_ring::load_file(path, true);
  REQUIRE(ring.has_value());
  CHECK(ring->current_key_id() == "k");
  CHECK(read_text(path) == text);
}

TEST_CASE("an owner-only read-only key file is accepted") {
  const scratch_folder folder;
  const std::string path = folder.file("latchkey.key");
  write_text(path, key_file("k", "\"k\": \"" + key_text(3) + "\""), 0400);
  CHECK(key_ring::load_file(path, false).has_value());
}

TEST_CASE("a key file open to group or others is refused, untouched") {
  for (const mode_t mode : {0640, 0604, 0620, 0602, 0610, 0601, 0644, 0666}) {
    CAPTURE(mode);
    const scratch_folder folder;
    const std::string path = folder.file("latchkey.key");
    const std::string text = key_file("k", "\"k\": \"" + key_text(3) + "\"");
    write_text(path, text, mode);
    for (const bool may_create : {false, true}) {
      const auto ring = key_ring::load_file(path, may_create);
      REQUIRE_FALSE(ring.has_value());
      CHECK(ring.error() == errc::key_file_unsafe);
    }
    CHECK(read_text(path) == text);
    CHECK(mode_of(path) == mode);
  }
}

TEST_CASE("a missing key file is refused when it may not be created") {
  const scratch_folder folder;
  const std::string path = folder.file("latchkey.key");
  const auto ring = key_ring::load_file(path, false);
  REQUIRE_FALSE(ring.has_value());
  CHECK(ring.error() == errc::key_file_missing);
  CHECK(folder.entries() == 0);
}

TEST_CASE("a malformed key file is refused and left as it was") {
  const std::string good = "\"k\": \"" + key_text(1) + "\"";
  const std::string cases[] = {
      "{\"version\": 1, \"current\": ",                     // not JSON
      key_file("k", "\"k\": \"" + key_text(1, 16) + "\""),  // wrong length
      key_file("missing", good),                            // no current key
      key_file("k", "\"k\": \"" + key_text(1).replace(5, 1, "!") + "\""),
      "",
  };
  for (const auto& text : cases) {
    CAPTURE(text);
    const scratch_folder folder;
    const std::string path = folder.file("latchkey.key");
    write_text(path, text, 0600);
    for (const bool may_create : {false, true}) {
      const auto ring = key_ring::load_file(path, may_create);
      REQUIRE_FALSE(ring.has_value());
      CHECK(ring.error() == errc::key_file_malformed);
    }
    CHECK(read_text(path) == text);
    CHECK(folder.entries() == 1);
  }
}

TEST_CASE("a folder or an oversized file at the key path is refused") {
  const scratch_folder folder;
  const std::string dir = folder.file("dir.key");
  REQUIRE(std::filesystem::create_directory(dir));
  CHECK(key_ring::load_file(dir, true).error() == errc::key_file_malformed);

  const std::string big = folder.file("big.key");
  write_text(big, std::string(65 * 1024, ' '), 0600);
  CHECK(key_ring::load_file(big, true).error() == errc::key_file_malformed);
  CHECK(read_text(big).size() == 65 * 1024);
}

TEST_CASE("a key file in a missing folder is not created") {
  const scratch_folder folder;
  const std::string path = folder.file("absent/latchkey.key");
  CHECK(key_ring::load_file(path, true).error() == errc::io_failed);
  CHECK(folder.entries() == 0);
}

TEST_CASE("processes creating the key file at once end with one ring") {
  const scratch_folder folder;
  const std::string path = folder.file("latchkey.key");
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (auto& id : ids) {
    threads.emplace_back([&path, &id] {
      const auto ring = key_ring::load_file(path, true);
      id = ring ? ring->current_key_id() : "failed";
    });
  }
  for (auto& thread : threads)
    thread.join();
  const auto on_disk = key_ring::load_file(path, false);
  REQUIRE(on_disk.has_value());
  for (const auto& id : ids)
    CHECK(id == on_disk->current_key_id());
  CHECK(folder.entries() == 1);
}

TEST_CASE("save replaces the key file atomically, with mode 0600") {
  const scratch_folder folder;
  const std::string path = folder.file("latchkey.key");
  const umask_scope scope(0);
  auto ring = key_ring::load_file(path, true);
  REQUIRE(ring.has_value());
  const std::string old_id = ring->current_key_id();
  const auto sealed = ring->seal(kTotp, 9, pattern(20));
  REQUIRE(sealed.has_value());
  const ino_t before = inode_of(path);

  REQUIRE(ring->add_key().has_value());
  REQUIRE(ring->save(path).has_value());
  // A new file took the name in one step; the old one was not rewritten.
  CHECK(inode_of(path) != before);
  CHECK(mode_of(path) == 0600);
  CHECK(folder.entries() == 1);

  const auto loaded = key_ring::load_file(path, false);
  REQUIRE(loaded.has_value());
  CHECK(loaded->current_key_id() == ring->current_key_id());
  CHECK(loaded->has_key(old_id));
  CHECK(loaded->open(kTotp, 9, *sealed).value() == pattern(20));

  // The saved text is the documented format, and parses to the same ring.
  const auto parsed = key_ring::parse(read_text(path));
  REQUIRE(parsed.has_value());
  CHECK(parsed->current_key_id() == ring->current_key_id());
}

TEST_CASE("save writes a new file with mode 0600") {
  const scratch_folder folder;
  const std::string path = folder.file("fresh.key");
  const umask_scope scope(0);
  const key_ring ring = fresh_ring();
  REQUIRE(ring.save(path).has_value());
  CHECK(mode_of(path) == 0600);
  CHECK(key_ring::load_file(path, false).has_value());
}

TEST_CASE("save into a missing folder fails and leaves nothing") {
  const scratch_folder folder;
  const key_ring ring = fresh_ring();
  CHECK(ring.save(folder.file("absent/latchkey.key")).error() ==
        errc::io_failed);
  CHECK(folder.entries() == 0);
}
