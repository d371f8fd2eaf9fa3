// The Store contract: what every backend must do, operation by operation,
// with each success and each failure value. Written against storage::store
// only; backend.hpp says where the store comes from.
#include "tests/storage/backend.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include <chrono>

using common::from_unix_seconds;
using storage::errc;
using namespace std::chrono_literals;

namespace {

const common::time_point kNow = from_unix_seconds(1'750'000'000);

common::bytes hash_of(std::uint8_t fill) {
  return common::bytes(32, fill);
}

struct fixture {
  storage_test::temp_dir dir;
  std::unique_ptr<storage::store> db = storage_test::make_store(dir);
  storage::store& s = *db;

  storage::user add_user(const std::string& name) {
    auto u = s.create_user(storage_test::sample_user(name), kNow);
    REQUIRE(u);
    return *u;
  }
};

storage::ceremony sample_ceremony(std::uint8_t fill,
                                  std::optional<storage::user_id> user) {
  storage::ceremony c;
  c.handle_hash = hash_of(fill);
  c.kind = storage::ceremony_kind::add_credential;
  c.user = user;
  c.session_hash = hash_of(0xee);
  c.challenge = common::bytes(32, 0x77);
  c.user_verification = "required";
  c.expires_at = kNow + 5min;
  c.context = R"({"origin":"https://example.com"})";
  return c;
}

storage::session sample_session(std::uint8_t fill, storage::user_id user) {
  storage::session s;
  s.token_hash = hash_of(fill);
  s.user = user;
  s.assurance = 2;
  s.methods = R"(["password","webauthn"])";
  s.created_at = kNow;
  s.last_seen_at = kNow;
  s.expires_at = kNow + 12h;
  s.address = "192.0.2.1";
  s.user_agent = "test-agent";
  return s;
}

storage::totp_enrollment sample_totp(storage::user_id user, std::uint8_t k) {
  storage::totp_enrollment e;
  e.user = user;
  e.secret = {"key-" + std::to_string(k), common::bytes(48, k)};
  e.algorithm = "SHA1";
  e.created_at = kNow;
  return e;
}

}  // namespace

TEST_CASE("users: created, found three ways, unique by name") {
  fixture f;
  const auto alice = f.add_user("alice");
  CHECK(alice.id > 0);
  CHECK(alice.created_at == kNow);

  const auto by_id = f.s.find_user(alice.id);
  REQUIRE(by_id);
  CHECK(by_id->username == "alice");
  CHECK(by_id->display_name == "Display alice");
  CHECK(by_id->handle == alice.handle);
  CHECK(by_id->password_hash == alice.password_hash);
  CHECK(by_id->created_at == kNow);
  CHECK(f.s.find_user_by_name("alice")->id == alice.id);
  CHECK(f.s.find_user_by_handle(alice.handle)->id == alice.id);

  CHECK(f.s.create_user(storage_test::sample_user("alice"), kNow).error() ==
        errc::already_exists);
  CHECK(f.s.find_user(alice.id + 100).error() == errc::not_found);
  CHECK(f.s.find_user_by_name("bob").error() == errc::not_found);
  CHECK(f.s.find_user_by_handle(common::bytes(64, 1)).error() ==
        errc::not_found);
}

TEST_CASE("users: a user without a password keeps none") {
  fixture f;
  auto nu = storage_test::sample_user("carol");
  nu.password_hash.reset();
  const auto u = f.s.create_user(nu, kNow);
  REQUIRE(u);
  CHECK_FALSE(f.s.find_user(u->id)->password_hash.has_value());
}

TEST_CASE("users: password hash and policy state change, or not_found") {
  fixture f;
  const auto alice = f.add_user("alice");
  CHECK(f.s.set_password_hash(alice.id, "$argon2id$new"));
  CHECK(f.s.set_policy_state(alice.id, R"({"enroll":true})"));
  const auto u = f.s.find_user(alice.id);
  CHECK(u->password_hash == "$argon2id$new");
  CHECK(u->policy_state == R"({"enroll":true})");
  CHECK(f.s.set_password_hash(999, "x").error() == errc::not_found);
  CHECK(f.s.set_policy_state(999, "x").error() == errc::not_found);
}

TEST_CASE("users: deleting removes everything theirs but the audit") {
  fixture f;
  const auto alice = f.add_user("alice");
  REQUIRE(f.s.add_credential(
      storage_test::sample_credential(alice.id, storage_test::sample_id(1))));
  REQUIRE(f.s.put_session(sample_session(1, alice.id)));
  REQUIRE(f.s.put_ceremony(sample_ceremony(1, alice.id)));
  REQUIRE(f.s.put_pending_totp(sample_totp(alice.id, 1)));
  REQUIRE(f.s.replace_recovery_codes(alice.id, {{"a1", "h", std::nullopt}}));
  storage::audit_event e;
  e.at = kNow;
  e.user = alice.id;
  e.event = "sign_in";
  REQUIRE(f.s.append_audit(e));

  CHECK(f.s.delete_user(alice.id));
  CHECK(f.s.find_user(alice.id).error() == errc::not_found);
  CHECK(f.s.find_credential(storage_test::sample_id(1)).error() ==
        errc::not_found);
  CHECK(f.s.find_session(hash_of(1), kNow).error() == errc::not_found);
  CHECK(f.s.take_ceremony(hash_of(1), kNow).error() == errc::not_found);
  CHECK_FALSE(f.s.find_totp(alice.id)->pending);
  CHECK(*f.s.count_unused_recovery_codes(alice.id) == 0);
  CHECK(f.s.list_audit(0, 10, alice.id)->size() == 1);
  CHECK(f.s.delete_user(alice.id).error() == errc::not_found);
}

TEST_CASE("users: ids are never reused, so old audit events stay theirs") {
  fixture f;
  const auto first = f.add_user("first");
  REQUIRE(f.s.delete_user(first.id));
  const auto second = f.add_user("second");
  CHECK(second.id > first.id);
}

TEST_CASE("credentials: every field round-trips") {
  fixture f;
  const auto alice = f.add_user("alice");
  auto c =
      storage_test::sample_credential(alice.id, storage_test::sample_id(7));
  c.sign_count = 41;
  c.backup_state = true;
  c.uv_initialized = true;
  c.attestation_trusted = false;
  c.last_used_at = kNow;
  c.possibly_cloned = true;
  c.suspended = true;
  REQUIRE(f.s.add_credential(c));
  const auto got = f.s.find_credential(c.id);
  REQUIRE(got);
  CHECK(got->id == c.id);
  CHECK(got->user == alice.id);
  CHECK(got->public_key == c.public_key);
  CHECK(got->algorithm == -7);
  CHECK(got->sign_count == 41);
  CHECK(got->transports == std::vector<std::string>{"usb", "nfc"});
  CHECK(got->aaguid == c.aaguid);
  CHECK(got->attestation_format == "packed");
  CHECK(got->attestation_type == "basic");
  CHECK_FALSE(got->attestation_trusted);
  CHECK(got->attestation_object == c.attestation_object);
  CHECK(got->backup_eligible);
  CHECK(got->backup_state);
  CHECK(got->uv_initialized);
  CHECK(got->nickname == "key");
  CHECK(got->created_at == c.created_at);
  CHECK(got->last_used_at == kNow);
  CHECK(got->possibly_cloned);
  CHECK(got->suspended);
}

TEST_CASE("credentials: an id belongs to one user only") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto bob = f.add_user("bob");
  const auto id = storage_test::sample_id(1);
  REQUIRE(f.s.add_credential(storage_test::sample_credential(alice.id, id)));
  CHECK(
      f.s.add_credential(storage_test::sample_credential(bob.id, id)).error() ==
      errc::already_exists);
  CHECK(f.s.add_credential(storage_test::sample_credential(alice.id, id))
            .error() == errc::already_exists);
  CHECK(f.s.find_credential(id)->user == alice.id);
}

TEST_CASE("credentials: a credential for a missing user is not_found") {
  fixture f;
  CHECK(f.s.add_credential(
               storage_test::sample_credential(42, storage_test::sample_id(1)))
            .error() == errc::not_found);
}

TEST_CASE("credentials: listed per user") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto bob = f.add_user("bob");
  for (std::uint32_t n = 1; n <= 3; ++n) {
    REQUIRE(f.s.add_credential(
        storage_test::sample_credential(alice.id, storage_test::sample_id(n))));
  }
  REQUIRE(f.s.add_credential(
      storage_test::sample_credential(bob.id, storage_test::sample_id(9))));
  CHECK(f.s.list_credentials(alice.id)->size() == 3);
  CHECK(f.s.list_credentials(bob.id)->size() == 1);
  CHECK(f.s.list_credentials(bob.id + 1)->empty());
}

TEST_CASE("credentials: record_sign_in raises the counter or refuses") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto id = storage_test::sample_id(1);
  REQUIRE(f.s.add_credential(storage_test::sample_credential(alice.id, id)));

  // Both zero: an authenticator without a counter keeps working.
  CHECK(f.s.record_sign_in(id, {0, false, kNow}));
  CHECK(f.s.record_sign_in(id, {0, true, kNow + 1s}));
  CHECK(f.s.find_credential(id)->backup_state);
  CHECK(f.s.find_credential(id)->last_used_at == kNow + 1s);

  CHECK(f.s.record_sign_in(id, {5, false, kNow + 2s}));
  CHECK(f.s.find_credential(id)->sign_count == 5);
  CHECK(f.s.record_sign_in(id, {5, false, kNow + 3s}).error() ==
        errc::counter_regressed);
  CHECK(f.s.record_sign_in(id, {4, false, kNow + 3s}).error() ==
        errc::counter_regressed);
  // A counter that falls back to 0 is refused too.
  CHECK(f.s.record_sign_in(id, {0, false, kNow + 3s}).error() ==
        errc::counter_regressed);
  const auto after = f.s.find_credential(id);
  CHECK(after->sign_count == 5);
  CHECK(after->last_used_at == kNow + 2s);
  CHECK(f.s.record_sign_in(id, {0xffffffffu, false, kNow + 4s}));
  CHECK(f.s.find_credential(id)->sign_count == 0xffffffffu);

  CHECK(f.s.record_sign_in(storage_test::sample_id(2), {1, false, kNow})
            .error() == errc::not_found);
}

TEST_CASE("credentials: every one listed in id order, a page at a time") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto bob = f.add_user("bob");
  for (std::uint32_t n = 1; n <= 5; ++n) {
    REQUIRE(f.s.add_credential(storage_test::sample_credential(
        n % 2 ? alice.id : bob.id, storage_test::sample_id(n))));
  }
  std::vector<common::bytes> seen;
  common::bytes after;
  for (;;) {
    const auto page = f.s.list_all_credentials(after, 2);
    REQUIRE(page.has_value());
    CHECK(page->size() <= 2);
    if (page->empty())
      break;
    for (const auto& c : *page)
      seen.push_back(c.id);
    after = page->back().id;
  }
  REQUIRE(seen.size() == 5);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
}

TEST_CASE("commit_sign_in writes counter, session and audit, or nothing") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto id = storage_test::sample_id(9);
  REQUIRE(f.s.add_credential(storage_test::sample_credential(alice.id, id)));
  const auto now = common::from_unix_seconds(1'700'000'000);
  const auto make_session = [&](std::uint8_t tag) {
    storage::session s;
    s.token_hash = common::bytes(32, tag);
    s.user = alice.id;
    s.methods = "{}";
    s.created_at = s.last_seen_at = now;
    s.expires_at = now + std::chrono::hours(1);
    return s;
  };
  REQUIRE(f.s.put_session(make_session(1)));
  storage::audit_event event;
  event.at = now;
  event.user = alice.id;
  event.event = "sign_in";
  event.outcome = "ok";
  storage::store::sign_in_commit commit{
      id, {5, true, now}, make_session(2), common::bytes(32, 1), event, {}};
  REQUIRE(f.s.commit_sign_in(commit));
  CHECK(f.s.find_credential(id)->sign_count == 5);
  CHECK(f.s.find_credential(id)->backup_state);
  CHECK(f.s.find_session(common::bytes(32, 2), now).has_value());
  CHECK(f.s.find_session(common::bytes(32, 1), now).error() == errc::not_found);
  CHECK(f.s.list_audit(0, 10, alice.id)->size() == 1);

  // A counter that does not rise writes nothing at all.
  commit.update.sign_count = 5;
  commit.new_session = make_session(3);
  commit.ended_session = common::bytes(32, 2);
  CHECK(f.s.commit_sign_in(commit).error() == errc::counter_regressed);
  CHECK(f.s.find_session(common::bytes(32, 3), now).error() == errc::not_found);
  CHECK(f.s.find_session(common::bytes(32, 2), now).has_value());
  CHECK(f.s.list_audit(0, 10, alice.id)->size() == 1);
  commit.credential_id = storage_test::sample_id(10);
  CHECK(f.s.commit_sign_in(commit).error() == errc::not_found);
}

TEST_CASE("commit_sign_in takes its ceremony, and commits only once") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto id = storage_test::sample_id(9);
  REQUIRE(f.s.add_credential(storage_test::sample_credential(alice.id, id)));
  auto c = sample_ceremony(1, alice.id);
  c.kind = storage::ceremony_kind::sign_in;
  REQUIRE(f.s.put_ceremony(c));
  storage::store::sign_in_commit commit{id, {5, false, kNow}, std::nullopt,
                                        {}, std::nullopt,     c.handle_hash};

  // A counter refused keeps the ceremony: nothing at all is written.
  commit.update.sign_count = 0;
  REQUIRE(f.s.commit_sign_in({id, {7, false, kNow}, {}, {}, {}, {}}));
  CHECK(f.s.commit_sign_in(commit).error() == errc::counter_regressed);
  CHECK(f.s.peek_ceremony(c.handle_hash, kNow));

  commit.update.sign_count = 8;
  REQUIRE(f.s.commit_sign_in(commit));
  CHECK(f.s.peek_ceremony(c.handle_hash, kNow).error() == errc::not_found);
  CHECK(f.s.find_credential(id)->sign_count == 8);
  // The same ceremony again: refused, and the counter stays.
  commit.update.sign_count = 9;
  CHECK(f.s.commit_sign_in(commit).error() == errc::already_used);
  CHECK(f.s.find_credential(id)->sign_count == 8);
}

TEST_CASE("find_user_credentials and find_owned_credential read together") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto bob = f.add_user("bob");
  const auto first = storage_test::sample_id(1);
  const auto second = storage_test::sample_id(2);
  REQUIRE(f.s.add_credential(storage_test::sample_credential(alice.id, first)));
  REQUIRE(
      f.s.add_credential(storage_test::sample_credential(alice.id, second)));

  const auto by_name = f.s.find_user_credentials("alice");
  REQUIRE(by_name);
  CHECK(by_name->owner.id == alice.id);
  REQUIRE(by_name->credentials.size() == 2);
  CHECK(by_name->credentials[0].id == first);
  CHECK(by_name->credentials[1].id == second);
  const auto by_id = f.s.find_user_credentials(bob.id);
  REQUIRE(by_id);
  CHECK(by_id->owner.username == "bob");
  CHECK(by_id->credentials.empty());
  CHECK(f.s.find_user_credentials("carol").error() == errc::not_found);
  CHECK(f.s.find_user_credentials(storage::user_id{999}).error() ==
        errc::not_found);

  const auto owned = f.s.find_owned_credential(second);
  REQUIRE(owned);
  CHECK(owned->key.id == second);
  CHECK(owned->owner.id == alice.id);
  CHECK(owned->owner.handle == alice.handle);
  CHECK(f.s.find_owned_credential(storage_test::sample_id(3)).error() ==
        errc::not_found);
}

TEST_CASE("put_sign_in_ceremony stores what its maker builds from the read") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto id = storage_test::sample_id(4);
  REQUIRE(f.s.add_credential(storage_test::sample_credential(alice.id, id)));

  std::vector<std::string> seen;
  const auto maker = [&](std::uint8_t fill) {
    return
        [&seen, fill](const storage::result<storage::user_credentials>& found)
            -> storage::result<storage::ceremony> {
          if (!found) {
            seen.push_back(std::string(common::error_name(found.error())));
            return sample_ceremony(fill, std::nullopt);
          }
          seen.push_back(found->owner.username + ":" +
                         std::to_string(found->credentials.size()));
          return sample_ceremony(fill, found->owner.id);
        };
  };

  REQUIRE(f.s.put_sign_in_ceremony("alice", maker(1)));
  REQUIRE(f.s.put_sign_in_ceremony(alice.id, maker(2)));
  // An unknown user reaches the maker as not_found, so that options for a
  // made-up name are stored like any others.
  REQUIRE(f.s.put_sign_in_ceremony("carol", maker(3)));
  REQUIRE(f.s.put_sign_in_ceremony(storage::user_id{999}, maker(4)));
  CHECK(seen == std::vector<std::string>{"alice:1", "alice:1", "not_found",
                                         "not_found"});
  CHECK(f.s.peek_ceremony(sample_ceremony(1, {}).handle_hash, kNow)->user ==
        alice.id);
  CHECK(f.s.peek_ceremony(sample_ceremony(2, {}).handle_hash, kNow)->user ==
        alice.id);
  CHECK_FALSE(
      f.s.peek_ceremony(sample_ceremony(3, {}).handle_hash, kNow)->user);
  CHECK(f.s.peek_ceremony(sample_ceremony(4, {}).handle_hash, kNow));

  // A maker that refuses stores nothing, and its error comes back.
  const auto refuse = [](const storage::result<storage::user_credentials>&)
      -> storage::result<storage::ceremony> { return errc::busy; };
  CHECK(f.s.put_sign_in_ceremony("alice", refuse).error() == errc::busy);
  // A ceremony whose handle is taken fails in the insert, and is not
  // stored twice.
  CHECK_FALSE(f.s.put_sign_in_ceremony("alice", maker(1)));
  REQUIRE(f.s.take_ceremony(sample_ceremony(1, {}).handle_hash, kNow));
  CHECK(f.s.take_ceremony(sample_ceremony(1, {}).handle_hash, kNow).error() ==
        errc::not_found);
}

TEST_CASE("find_sign_in reads the ceremony and the credential together") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto id = storage_test::sample_id(6);
  REQUIRE(f.s.add_credential(storage_test::sample_credential(alice.id, id)));
  const auto c = sample_ceremony(1, alice.id);
  REQUIRE(f.s.put_ceremony(c));

  const auto both = f.s.find_sign_in(c.handle_hash, kNow, id);
  REQUIRE(both.held);
  CHECK(both.held->challenge == c.challenge);
  CHECK(both.held->handle_hash == c.handle_hash);
  REQUIRE(both.owned);
  CHECK(both.owned->key.id == id);
  CHECK(both.owned->owner.id == alice.id);
  // Reading does not take: the ceremony is still there.
  CHECK(f.s.peek_ceremony(c.handle_hash, kNow));

  // Each half fails on its own.
  const auto no_id = f.s.find_sign_in(c.handle_hash, kNow, {});
  CHECK(no_id.held);
  CHECK(no_id.owned.error() == errc::not_found);
  const auto unknown_key =
      f.s.find_sign_in(c.handle_hash, kNow, storage_test::sample_id(7));
  CHECK(unknown_key.held);
  CHECK(unknown_key.owned.error() == errc::not_found);
  const auto unknown_ceremony =
      f.s.find_sign_in(sample_ceremony(2, {}).handle_hash, kNow, id);
  CHECK(unknown_ceremony.held.error() == errc::not_found);
  CHECK(unknown_ceremony.owned);
  CHECK(f.s.find_sign_in(c.handle_hash, c.expires_at, id).held.error() ==
        errc::expired);
}

TEST_CASE("users: listed in id order, a page at a time") {
  fixture f;
  for (const char* name : {"ann", "ben", "cat", "dan", "eve"})
    f.add_user(name);
  std::vector<std::string> names;
  storage::user_id after = 0;
  for (;;) {
    const auto page = f.s.list_users(after, 2);
    REQUIRE(page.has_value());
    if (page->empty())
      break;
    for (const auto& u : *page)
      names.push_back(u.username);
    after = page->back().id;
  }
  CHECK(names == std::vector<std::string>{"ann", "ben", "cat", "dan", "eve"});
}

TEST_CASE("audit: erasure and retention forget personal data, keep events") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto bob = f.add_user("bob");
  const auto old_time = common::from_unix_seconds(1'600'000'000);
  const auto new_time = common::from_unix_seconds(1'700'000'000);
  for (const auto& [user, at] :
       {std::pair{alice.id, old_time}, std::pair{alice.id, new_time},
        std::pair{bob.id, old_time}}) {
    storage::audit_event e;
    e.at = at;
    e.user = user;
    e.event = "sign_in";
    e.outcome = "ok";
    e.address = "192.0.2.7";
    e.user_agent = "Browser/1";
    e.detail = R"({"method":"passkey"})";
    REQUIRE(f.s.append_audit(e));
  }
  CHECK(*f.s.forget_audit_addresses(common::from_unix_seconds(1'650'000'000)) ==
        2);
  auto bobs = *f.s.list_audit(0, 10, bob.id);
  REQUIRE(bobs.size() == 1);
  CHECK(bobs[0].address.empty());
  CHECK(bobs[0].detail == R"({"method":"passkey"})");
  CHECK(*f.s.erase_audit_details(alice.id) == 2);
  const auto alices = *f.s.list_audit(0, 10, alice.id);
  REQUIRE(alices.size() == 2);
  for (const auto& e : alices) {
    CHECK(e.event == "sign_in");
    CHECK(e.address.empty());
    CHECK(e.user_agent.empty());
    CHECK(e.detail == "{}");
  }
}

TEST_CASE("users: an operator can disable and enable one") {
  fixture f;
  const auto alice = f.add_user("alice");
  CHECK_FALSE(f.s.find_user(alice.id)->disabled);
  CHECK(f.s.set_disabled(alice.id, true));
  CHECK(f.s.find_user(alice.id)->disabled);
  CHECK(f.s.find_user_by_name("alice")->disabled);
  CHECK(f.s.set_disabled(alice.id, false));
  CHECK_FALSE(f.s.find_user(alice.id)->disabled);
  CHECK(f.s.set_disabled(alice.id + 100, true).error() == errc::not_found);
}

TEST_CASE("values: the first one stored stays, set replaces it") {
  fixture f;
  const common::bytes first = {1, 2, 3}, second = {4, 5};
  CHECK(f.s.find_value("enumeration-key").error() == errc::not_found);
  CHECK(*f.s.put_value_if_absent("enumeration-key", first) == first);
  CHECK(*f.s.put_value_if_absent("enumeration-key", second) == first);
  CHECK(*f.s.find_value("enumeration-key") == first);
  CHECK(f.s.set_value("enumeration-key", second));
  CHECK(*f.s.find_value("enumeration-key") == second);

  // Listing by prefix, in name order; the prefix is no pattern.
  CHECK(f.s.set_value("admin-key:b", first));
  CHECK(f.s.set_value("admin-key:a", second));
  CHECK(f.s.set_value("admin-key%", first));
  CHECK(f.s.set_value("admin-kez", first));
  const auto listed = f.s.list_values("admin-key:");
  REQUIRE(listed.has_value());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].first == "admin-key:a");
  CHECK((*listed)[0].second == second);
  CHECK((*listed)[1].first == "admin-key:b");
  CHECK(f.s.delete_value("admin-key:a"));
  CHECK(f.s.delete_value("admin-key:a").error() == errc::not_found);
  CHECK(f.s.list_values("admin-key:")->size() == 1);
}

TEST_CASE("credentials: flags, nickname and removal") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto bob = f.add_user("bob");
  const auto id = storage_test::sample_id(1);
  const auto missing = storage_test::sample_id(2);
  REQUIRE(f.s.add_credential(storage_test::sample_credential(alice.id, id)));

  CHECK(f.s.flag_possibly_cloned(id));
  CHECK(f.s.find_credential(id)->possibly_cloned);
  CHECK(f.s.flag_possibly_cloned(missing).error() == errc::not_found);

  CHECK(f.s.set_suspended(id, true, "its model was revoked"));
  CHECK(f.s.find_credential(id)->suspended);
  CHECK(f.s.find_credential(id)->suspended_reason == "its model was revoked");
  CHECK(f.s.list_credentials(alice.id)->at(0).suspended_reason ==
        "its model was revoked");
  CHECK(f.s.set_suspended(id, false, "ignored when lifting"));
  CHECK_FALSE(f.s.find_credential(id)->suspended);
  CHECK(f.s.find_credential(id)->suspended_reason.empty());
  CHECK(f.s.set_suspended(missing, true, "x").error() == errc::not_found);

  CHECK(f.s.rename_credential(alice.id, id, "blue key"));
  CHECK(f.s.find_credential(id)->nickname == "blue key");
  CHECK(f.s.rename_credential(bob.id, id, "mine").error() == errc::not_found);

  CHECK(f.s.remove_credential(bob.id, id).error() == errc::not_found);
  CHECK(f.s.remove_credential(alice.id, id));
  CHECK(f.s.find_credential(id).error() == errc::not_found);
  CHECK(f.s.remove_credential(alice.id, id).error() == errc::not_found);
}

TEST_CASE("ceremonies: taken once, with every field") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto c = sample_ceremony(1, alice.id);
  REQUIRE(f.s.put_ceremony(c));
  CHECK(f.s.put_ceremony(c).error() == errc::already_exists);
  const auto taken = f.s.take_ceremony(c.handle_hash, kNow);
  REQUIRE(taken);
  CHECK(taken->handle_hash == c.handle_hash);
  CHECK(taken->kind == storage::ceremony_kind::add_credential);
  CHECK(taken->user == alice.id);
  CHECK(taken->session_hash == c.session_hash);
  CHECK(taken->challenge == c.challenge);
  CHECK(taken->user_verification == "required");
  CHECK(taken->expires_at == c.expires_at);
  CHECK(taken->context == c.context);
  CHECK(f.s.take_ceremony(c.handle_hash, kNow).error() == errc::not_found);
}

TEST_CASE("ceremonies: every kind round-trips, a user is optional") {
  fixture f;
  using k = storage::ceremony_kind;
  std::uint8_t fill = 1;
  for (const auto kind :
       {k::sign_up, k::sign_in, k::add_credential, k::step_up,
        k::conformance_registration, k::conformance_authentication,
        k::password_reset, k::factor_reset}) {
    auto c = sample_ceremony(fill++, std::nullopt);
    c.kind = kind;
    REQUIRE(f.s.put_ceremony(c));
    const auto taken = f.s.take_ceremony(c.handle_hash, kNow);
    REQUIRE(taken);
    CHECK(taken->kind == kind);
    CHECK_FALSE(taken->user);
  }
  CHECK(f.s.put_ceremony(sample_ceremony(99, 12345)).error() ==
        errc::not_found);
}

TEST_CASE("ceremonies: a sole one voids its user's earlier ones of its kind") {
  fixture f;
  using k = storage::ceremony_kind;
  const auto alice = f.add_user("alice");
  const auto bob = f.add_user("bob");
  auto first = sample_ceremony(1, alice.id);
  first.kind = k::password_reset;
  auto other_kind = sample_ceremony(2, alice.id);
  other_kind.kind = k::factor_reset;
  auto bobs = sample_ceremony(3, bob.id);
  bobs.kind = k::password_reset;
  auto anyones = sample_ceremony(4, std::nullopt);
  anyones.kind = k::password_reset;
  REQUIRE(f.s.put_sole_ceremony(first));
  REQUIRE(f.s.put_sole_ceremony(other_kind));
  REQUIRE(f.s.put_sole_ceremony(bobs));
  REQUIRE(f.s.put_sole_ceremony(anyones));
  auto second = sample_ceremony(5, alice.id);
  second.kind = k::password_reset;
  REQUIRE(f.s.put_sole_ceremony(second));

  CHECK(f.s.take_ceremony(first.handle_hash, kNow).error() == errc::not_found);
  CHECK(f.s.take_ceremony(second.handle_hash, kNow));
  CHECK(f.s.take_ceremony(other_kind.handle_hash, kNow));
  CHECK(f.s.take_ceremony(bobs.handle_hash, kNow));
  CHECK(f.s.take_ceremony(anyones.handle_hash, kNow));
  // A refused insert removes nothing: the whole step is one transaction.
  auto third = sample_ceremony(6, alice.id);
  third.kind = k::password_reset;
  REQUIRE(f.s.put_sole_ceremony(third));
  auto taken_handle = sample_ceremony(7, bob.id);
  REQUIRE(f.s.put_ceremony(taken_handle));
  auto clash = taken_handle;
  clash.user = alice.id;
  clash.kind = k::password_reset;
  CHECK(f.s.put_sole_ceremony(clash).error() == errc::already_exists);
  CHECK(f.s.take_ceremony(third.handle_hash, kNow));
}

TEST_CASE("ceremonies: peeking leaves one in place, with every field") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto c = sample_ceremony(1, alice.id);
  REQUIRE(f.s.put_ceremony(c));
  for (int i = 0; i < 2; ++i) {
    const auto seen = f.s.peek_ceremony(c.handle_hash, kNow);
    REQUIRE(seen);
    CHECK(seen->handle_hash == c.handle_hash);
    CHECK(seen->kind == c.kind);
    CHECK(seen->user == alice.id);
    CHECK(seen->session_hash == c.session_hash);
    CHECK(seen->challenge == c.challenge);
    CHECK(seen->expires_at == c.expires_at);
    CHECK(seen->context == c.context);
  }
  CHECK(f.s.peek_ceremony(c.handle_hash, c.expires_at).error() ==
        errc::expired);
  CHECK(f.s.take_ceremony(c.handle_hash, kNow));
  CHECK(f.s.peek_ceremony(c.handle_hash, kNow).error() == errc::not_found);
}

TEST_CASE("ceremonies: an expired one is expired, and gone") {
  fixture f;
  const auto c = sample_ceremony(1, std::nullopt);
  REQUIRE(f.s.put_ceremony(c));
  CHECK(f.s.take_ceremony(c.handle_hash, c.expires_at).error() ==
        errc::expired);
  CHECK(f.s.take_ceremony(c.handle_hash, kNow).error() == errc::not_found);
}

TEST_CASE("sessions: found while live, touched, listed, ended") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto s = sample_session(1, alice.id);
  REQUIRE(f.s.put_session(s));
  CHECK(f.s.put_session(s).error() == errc::already_exists);
  CHECK(f.s.put_session(sample_session(2, 999)).error() == errc::not_found);

  const auto found = f.s.find_session(s.token_hash, kNow);
  REQUIRE(found);
  CHECK(found->user == alice.id);
  CHECK(found->assurance == 2);
  CHECK(found->methods == s.methods);
  CHECK(found->created_at == kNow);
  CHECK(found->expires_at == s.expires_at);
  CHECK(found->address == "192.0.2.1");
  CHECK(found->user_agent == "test-agent");
  CHECK(f.s.find_session(s.token_hash, s.expires_at).error() == errc::expired);
  CHECK(f.s.find_session(hash_of(9), kNow).error() == errc::not_found);

  CHECK(f.s.touch_session(s.token_hash, kNow + 1min));
  CHECK(f.s.find_session(s.token_hash, kNow)->last_seen_at == kNow + 1min);
  CHECK(f.s.touch_session(hash_of(9), kNow).error() == errc::not_found);

  CHECK(f.s.list_sessions(alice.id, kNow)->size() == 1);
  CHECK(f.s.list_sessions(alice.id, s.expires_at)->empty());

  CHECK(f.s.delete_session(s.token_hash));
  CHECK(f.s.delete_session(s.token_hash).error() == errc::not_found);
}

TEST_CASE("sessions: ending all but one") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto bob = f.add_user("bob");
  for (std::uint8_t n = 1; n <= 3; ++n) {
    REQUIRE(f.s.put_session(sample_session(n, alice.id)));
  }
  REQUIRE(f.s.put_session(sample_session(9, bob.id)));
  CHECK(f.s.delete_sessions(alice.id, hash_of(2)));
  const auto left = f.s.list_sessions(alice.id, kNow);
  REQUIRE(left->size() == 1);
  CHECK(left->front().token_hash == hash_of(2));
  CHECK(f.s.delete_sessions(alice.id, {}));
  CHECK(f.s.list_sessions(alice.id, kNow)->empty());
  CHECK(f.s.list_sessions(bob.id, kNow)->size() == 1);
}

TEST_CASE("totp: pending, confirmed, replaced") {
  fixture f;
  const auto alice = f.add_user("alice");
  CHECK_FALSE(f.s.find_totp(alice.id)->confirmed);
  CHECK(f.s.confirm_totp(alice.id, 10).error() == errc::not_found);

  REQUIRE(f.s.put_pending_totp(sample_totp(alice.id, 1)));
  REQUIRE(f.s.put_pending_totp(sample_totp(alice.id, 2)));  // replaces
  auto state = f.s.find_totp(alice.id);
  REQUIRE(state->pending);
  CHECK_FALSE(state->confirmed);
  CHECK(state->pending->secret.key_id == "key-2");
  CHECK(state->pending->secret.blob == common::bytes(48, 2));
  CHECK(state->pending->algorithm == "SHA1");
  CHECK(state->pending->digits == 6);
  CHECK(state->pending->period == 30);

  CHECK(f.s.confirm_totp(alice.id, 100));
  state = f.s.find_totp(alice.id);
  REQUIRE(state->confirmed);
  CHECK_FALSE(state->pending);
  CHECK(state->confirmed->confirmed);
  CHECK(state->confirmed->last_step == 100);

  // A new secret stays pending beside the old one until confirmed.
  REQUIRE(f.s.put_pending_totp(sample_totp(alice.id, 3)));
  state = f.s.find_totp(alice.id);
  CHECK(state->confirmed->secret.key_id == "key-2");
  CHECK(state->pending->secret.key_id == "key-3");
  CHECK(f.s.confirm_totp(alice.id, 200));
  state = f.s.find_totp(alice.id);
  CHECK(state->confirmed->secret.key_id == "key-3");
  CHECK_FALSE(state->pending);

  CHECK(f.s.put_pending_totp(sample_totp(999, 1)).error() == errc::not_found);
}

TEST_CASE("totp: a time step is accepted once, and only going forward") {
  fixture f;
  const auto alice = f.add_user("alice");
  CHECK(f.s.accept_totp_step(alice.id, 5).error() == errc::not_found);
  REQUIRE(f.s.put_pending_totp(sample_totp(alice.id, 1)));
  // A pending enrollment does not accept codes.
  CHECK(f.s.accept_totp_step(alice.id, 5).error() == errc::not_found);
  REQUIRE(f.s.confirm_totp(alice.id, 10));
  CHECK(f.s.accept_totp_step(alice.id, 10).error() == errc::already_used);
  CHECK(f.s.accept_totp_step(alice.id, 9).error() == errc::already_used);
  CHECK(f.s.accept_totp_step(alice.id, 11));
  CHECK(f.s.accept_totp_step(alice.id, 11).error() == errc::already_used);
  CHECK(f.s.find_totp(alice.id)->confirmed->last_step == 11);

  CHECK(f.s.delete_totp(alice.id));
  CHECK_FALSE(f.s.find_totp(alice.id)->confirmed);
  CHECK(f.s.delete_totp(alice.id).error() == errc::not_found);
}

TEST_CASE("recovery codes: used once, a new set voids the old") {
  fixture f;
  const auto alice = f.add_user("alice");
  REQUIRE(f.s.replace_recovery_codes(
      alice.id,
      {{"a1", "hash-a1", std::nullopt}, {"a2", "hash-a2", std::nullopt}}));
  CHECK(*f.s.count_unused_recovery_codes(alice.id) == 2);
  const auto code = f.s.find_recovery_code(alice.id, "a1");
  REQUIRE(code);
  CHECK(code->hash == "hash-a1");
  CHECK_FALSE(code->used_at);
  CHECK(f.s.find_recovery_code(alice.id, "zz").error() == errc::not_found);

  CHECK(f.s.use_recovery_code(alice.id, "a1", kNow));
  CHECK(f.s.find_recovery_code(alice.id, "a1")->used_at == kNow);
  CHECK(f.s.use_recovery_code(alice.id, "a1", kNow).error() ==
        errc::already_used);
  CHECK(f.s.use_recovery_code(alice.id, "zz", kNow).error() == errc::not_found);
  CHECK(*f.s.count_unused_recovery_codes(alice.id) == 1);

  REQUIRE(
      f.s.replace_recovery_codes(alice.id, {{"b1", "hash-b1", std::nullopt}}));
  CHECK(f.s.find_recovery_code(alice.id, "a2").error() == errc::not_found);
  CHECK(*f.s.count_unused_recovery_codes(alice.id) == 1);
  CHECK(f.s.replace_recovery_codes(
               alice.id, {{"c1", "h", std::nullopt}, {"c1", "h", std::nullopt}})
            .error() == errc::already_exists);
  // The failed set changed nothing.
  CHECK(f.s.find_recovery_code(alice.id, "b1"));
  CHECK(f.s.replace_recovery_codes(999, {{"x", "h", std::nullopt}}).error() ==
        errc::not_found);
}

TEST_CASE("rate limits: failures counted per window, locked, cleared") {
  fixture f;
  CHECK(f.s.find_rate_limit("user:alice").error() == errc::not_found);
  CHECK(f.s.lock_until("user:alice", kNow).error() == errc::not_found);

  auto r = f.s.record_failure("user:alice", kNow, 60s);
  REQUIRE(r);
  CHECK(r->failures == 1);
  CHECK(r->window_start == kNow);
  r = f.s.record_failure("user:alice", kNow + 30s, 60s);
  CHECK(r->failures == 2);
  CHECK(r->window_start == kNow);
  CHECK(f.s.record_failure("addr:192.0.2.1", kNow, 60s)->failures == 1);

  CHECK(f.s.lock_until("user:alice", kNow + 5min));
  r = f.s.find_rate_limit("user:alice");
  CHECK(r->failures == 2);
  CHECK(r->locked_until == kNow + 5min);

  // Once the window has passed, counting starts again.
  r = f.s.record_failure("user:alice", kNow + 60s, 60s);
  CHECK(r->failures == 1);
  CHECK(r->window_start == kNow + 60s);

  CHECK(f.s.clear_rate_limit("user:alice"));
  CHECK(f.s.find_rate_limit("user:alice").error() == errc::not_found);
  CHECK(f.s.clear_rate_limit("user:alice"));
  CHECK(f.s.find_rate_limit("addr:192.0.2.1")->failures == 1);
}

TEST_CASE("audit: appended with rising ids, listed newest first, paged") {
  fixture f;
  const auto alice = f.add_user("alice");
  std::vector<std::int64_t> ids;
  for (int n = 0; n < 5; ++n) {
    storage::audit_event e;
    e.at = kNow + std::chrono::seconds(n);
    e.user = n % 2 == 0 ? std::optional(alice.id) : std::nullopt;
    e.event = "event-" + std::to_string(n);
    e.outcome = "ok";
    e.address = "192.0.2.1";
    e.user_agent = "agent";
    e.detail = "detail";
    const auto id = f.s.append_audit(e);
    REQUIRE(id);
    ids.push_back(*id);
  }
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  const auto all = f.s.list_audit(0, 10, std::nullopt);
  REQUIRE(all->size() == 5);
  CHECK(all->front().id == ids.back());
  CHECK(all->front().event == "event-4");
  CHECK(all->front().at == kNow + 4s);
  CHECK(all->front().user == alice.id);
  CHECK(all->front().address == "192.0.2.1");
  CHECK(all->front().user_agent == "agent");
  CHECK(all->front().detail == "detail");
  CHECK_FALSE((*all)[1].user);

  const auto page = f.s.list_audit(ids[3], 2, std::nullopt);
  REQUIRE(page->size() == 2);
  CHECK((*page)[0].id == ids[2]);
  CHECK((*page)[1].id == ids[1]);
  const auto theirs = f.s.list_audit(0, 10, alice.id);
  CHECK(theirs->size() == 3);
  CHECK(f.s.list_audit(ids[2], 10, alice.id)->size() == 1);
}

TEST_CASE("sweep removes expired ceremonies and sessions only") {
  fixture f;
  const auto alice = f.add_user("alice");
  auto old_c = sample_ceremony(1, std::nullopt);
  old_c.expires_at = kNow - 1s;
  REQUIRE(f.s.put_ceremony(old_c));
  REQUIRE(f.s.put_ceremony(sample_ceremony(2, std::nullopt)));
  auto old_s = sample_session(3, alice.id);
  old_s.expires_at = kNow;
  REQUIRE(f.s.put_session(old_s));
  REQUIRE(f.s.put_session(sample_session(4, alice.id)));
  CHECK(*f.s.sweep(kNow) == 2);
  CHECK(*f.s.sweep(kNow) == 0);
  CHECK(f.s.take_ceremony(hash_of(2), kNow));
  CHECK(f.s.find_session(hash_of(4), kNow));
}

TEST_CASE("sealed values: listed and replaced in place") {
  fixture f;
  const auto alice = f.add_user("alice");
  const auto bob = f.add_user("bob");
  REQUIRE(f.s.put_pending_totp(sample_totp(alice.id, 1)));
  REQUIRE(f.s.confirm_totp(alice.id, 1));
  REQUIRE(f.s.put_pending_totp(sample_totp(alice.id, 2)));
  REQUIRE(f.s.put_pending_totp(sample_totp(bob.id, 3)));
  auto rows = f.s.list_sealed();
  REQUIRE(rows);
  REQUIRE(rows->size() == 3);

  for (auto row : *rows) {
    row.value = {"key-new", common::bytes(40, 0xcc)};
    CHECK(f.s.replace_sealed(row));
  }
  for (const auto& row : *f.s.list_sealed()) {
    CHECK(row.value.key_id == "key-new");
    CHECK(row.value.blob == common::bytes(40, 0xcc));
  }
  const auto state = f.s.find_totp(alice.id);
  CHECK(state->confirmed->secret.key_id == "key-new");
  CHECK(state->pending->secret.key_id == "key-new");

  // A value sealed for one user never lands on another user's row.
  auto wrong = rows->front();
  wrong.user = wrong.user == alice.id ? bob.id : alice.id;
  CHECK(f.s.replace_sealed(wrong).error() == errc::not_found);
  auto gone = rows->front();
  gone.row = 1'000'000;
  CHECK(f.s.replace_sealed(gone).error() == errc::not_found);
  auto elsewhere = rows->front();
  elsewhere.table = "no_such_table";
  CHECK(f.s.replace_sealed(elsewhere).error() == errc::not_found);
}
