// Password hashing: Argon2id in PHC strings, verified with the parameters
// each string names, upgrades detected, malformed strings refused by name,
// and configured costs under the minimum refused.
#include "storage/password.hpp"

#include <argon2.h>
#include <doctest/doctest.h>

#include <set>
#include <string>

namespace {

using storage::errc;
using storage::password_cost;

// The reference implementation's own Argon2id vector (phc-winner-argon2,
// src/test.c): "password", salt "somesalt", m=64 MiB, t=2, p=1.
constexpr std::string_view kReferenceHash =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ"
    "$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

// A well-formed hash to mutate; the cost is the default one.
std::string sample_hash() {
  std::string password = "sample";
  auto phc = storage::hash_password(password);
  REQUIRE(phc.has_value());
  return *phc;
}

std::string replaced(std::string text, std::string_view from,
                     std::string_view to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("password: a hash verifies its password and nothing else") {
  std::string password = "correct horse battery staple";
  auto phc = storage::hash_password(password);
  REQUIRE(phc.has_value());
  CHECK(password.empty());  // wiped
  CHECK(phc->starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));

  std::string again = "correct horse battery staple";
  const auto verdict = storage::verify_password(again, *phc);
  REQUIRE(verdict.has_value());
  CHECK_FALSE(verdict->needs_upgrade);
  CHECK(again.empty());

  std::string wrong = "correct horse battery stapler";
  const auto refused = storage::verify_password(wrong, *phc);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error() == errc::password_mismatch);
  CHECK(wrong.empty());
}

TEST_CASE("password: the default hash has a 16-byte salt and 32-byte hash") {
  const auto parsed = storage::parse_password_hash(sample_hash());
  REQUIRE(parsed.has_value());
  CHECK(parsed->cost == password_cost{19456, 2, 1});
  CHECK(parsed->salt.size() == 16);
  CHECK(parsed->hash.size() == 32);
}

TEST_CASE("password: the reference implementation's vector verifies") {
  std::string password = "password";
  const auto verdict = storage::verify_password(password, kReferenceHash);
  REQUIRE(verdict.has_value());
  // 64 MiB and an 8-byte salt are not what is configured.
  CHECK(verdict->needs_upgrade);
  std::string wrong = "passwore";
  CHECK(storage::verify_password(wrong, kReferenceHash).error() ==
        errc::password_mismatch);
}

TEST_CASE("password: the parameters in the string are the ones used") {
  const password_cost stronger{24 * 1024, 3, 2};
  std::string password = "hunter2";
  const auto phc = storage::hash_password(password, stronger);
  REQUIRE(phc.has_value());
  CHECK(phc->starts_with("$argon2id$v=19$m=24576,t=3,p=2$"));

  // Verified under the default configuration, it still opens: the string's
  // own cost is used, and the verdict asks for an upgrade.
  password = "hunter2";
  auto verdict = storage::verify_password(password, *phc);
  REQUIRE(verdict.has_value());
  CHECK(verdict->needs_upgrade);

  // With the same cost configured, no upgrade is due.
  password = "hunter2";
  verdict = storage::verify_password(password, *phc, stronger);
  REQUIRE(verdict.has_value());
  CHECK_FALSE(verdict->needs_upgrade);

  // The same salt and hash under another stated cost do not match.
  password = "hunter2";
  const auto tampered = replaced(*phc, "t=3", "t=4");
  CHECK(storage::verify_password(password, tampered).error() ==
        errc::password_mismatch);
}

TEST_CASE("password: a change of any configured parameter needs an upgrade") {
  const std::string phc = sample_hash();
  for (const password_cost configured :
       {password_cost{20480, 2, 1}, password_cost{19456, 3, 1},
        password_cost{19456, 2, 2}}) {
    std::string password = "sample";
    const auto verdict = storage::verify_password(password, phc, configured);
    REQUIRE(verdict.has_value());
    CHECK(verdict->needs_upgrade);
  }
}

TEST_CASE("password: a hash below today's minimum verifies, to be upgraded") {
  // Older deployments may hold cheaper hashes; they must keep working
  // until the next sign-in replaces them.
  const std::string weak = replaced(sample_hash(), "m=19456,t=2", "m=1024,t=1");
  std::string password = "sample";
  // Same salt and hash under other parameters: a mismatch, not a refusal.
  CHECK(storage::verify_password(password, weak).error() ==
        errc::password_mismatch);
  const auto parsed = storage::parse_password_hash(weak);
  REQUIRE(parsed.has_value());
  CHECK(parsed->cost == password_cost{1024, 1, 1});

  // A real hash at that cost, made by libargon2 itself as an older
  // configuration would have: it verifies and asks to be replaced.
  const std::string secret = "correct horse";
  const std::string salt = "0123456789abcdef";
  char encoded[128] = {};
  REQUIRE(argon2id_hash_encoded(1, 1024, 1, secret.data(), secret.size(),
                                salt.data(), salt.size(), 32, encoded,
                                sizeof encoded) == ARGON2_OK);
  std::string attempt = secret;
  const auto verdict = storage::verify_password(attempt, encoded);
  REQUIRE(verdict.has_value());
  CHECK(verdict->needs_upgrade);
  attempt = "wrong horse";
  CHECK(storage::verify_password(attempt, encoded).error() ==
        errc::password_mismatch);
}

TEST_CASE("password: every hash has its own salt") {
  std::set<std::string> hashes;
  std::set<common::bytes> salts;
  for (int i = 0; i < 4; ++i) {
    std::string password = "same password";
    const auto phc = storage::hash_password(password);
    REQUIRE(phc.has_value());
    hashes.insert(*phc);
    salts.insert(storage::parse_password_hash(*phc)->salt);
  }
  CHECK(hashes.size() == 4);
  CHECK(salts.size() == 4);
}

TEST_CASE("password: configured costs under the minimum are refused") {
  for (const password_cost low :
       {password_cost{19455, 2, 1}, password_cost{19456, 1, 1},
        password_cost{7168, 5, 1}, password_cost{47104, 1, 1}}) {
    CAPTURE(low.memory_kib);
    CAPTURE(low.passes);
    CHECK(storage::check_password_cost(low).error() ==
          errc::password_cost_too_low);
    std::string password = "secret";
    CHECK(storage::hash_password(password, low).error() ==
          errc::password_cost_too_low);
    CHECK(password.empty());
  }
  for (const password_cost odd :
       {password_cost{19456, 2, 0}, password_cost{19456, 2, 17},
        password_cost{2u * 1024 * 1024, 2, 1}, password_cost{19456, 33, 1}}) {
    CHECK(storage::check_password_cost(odd).error() ==
          errc::password_cost_out_of_range);
  }
  CHECK(storage::check_password_cost(storage::kMinimumPasswordCost));
}

TEST_CASE("password: malformed strings are refused by name") {
  const std::string good = sample_hash();
  const auto salt_at = good.rfind('$', good.rfind('$') - 1) + 1;
  const std::string salt = good.substr(salt_at, good.rfind('$') - salt_at);
  const std::pair<std::string, errc> cases[] = {
      {"", errc::password_hash_malformed},
      {"plaintext", errc::password_hash_malformed},
      {"$argon2id$", errc::password_hash_malformed},
      {replaced(good, "m=", "x="), errc::password_hash_malformed},
      {replaced(good, "m=19456", "m=019456"), errc::password_hash_malformed},
      {replaced(good, "m=19456", "m=+19456"), errc::password_hash_malformed},
      {replaced(good, "m=19456", "m=99999999999"),
       errc::password_hash_malformed},
      {replaced(good, "t=2,p=1", "p=1,t=2"), errc::password_hash_malformed},
      {replaced(good, "p=1", "p=1,keyid=abc"), errc::password_hash_malformed},
      {good + "$extra", errc::password_hash_malformed},
      {good.substr(0, salt_at + salt.size()), errc::password_hash_malformed},
      {replaced(good, "$argon2id$", "$argon2i$"),
       errc::password_hash_unsupported},
      {replaced(good, "v=19", "v=16"), errc::password_hash_unsupported},
      {"$2b$12$abcdefghijklmnopqrstuvwxyz", errc::password_hash_unsupported},
      {replaced(good, salt, salt + "="), errc::password_hash_bad_encoding},
      {replaced(good, salt, salt.substr(1)), errc::password_hash_bad_encoding},
      {replaced(good, salt, "-" + salt.substr(1)),
       errc::password_hash_bad_encoding},
      {replaced(good, salt, "c29tZQ"), errc::password_hash_out_of_range},
      {replaced(good, "m=19456", "m=4194304"),
       errc::password_hash_out_of_range},
      {replaced(good, "p=1", "p=0"), errc::password_hash_out_of_range},
  };
  for (const auto& [text, expected] : cases) {
    CAPTURE(text);
    const auto parsed = storage::parse_password_hash(text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error() == expected);
    std::string password = "sample";
    CHECK(storage::verify_password(password, text).error() == expected);
  }
}

TEST_CASE("password: oversized input is refused before hashing") {
  std::string password(storage::kMaxPasswordSize + 1, 'x');
  CHECK(storage::hash_password(password).error() == common::errc::too_large);
  CHECK(password.empty());
  password.assign(storage::kMaxPasswordSize + 1, 'x');
  CHECK(storage::verify_password(password, sample_hash()).error() ==
        common::errc::too_large);
}
