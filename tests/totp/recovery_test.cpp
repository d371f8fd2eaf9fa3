#include "totp/recovery.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <set>

using totp::errc;

namespace {

// Argon2id at a test cost, counting every hash and verification.
class counting_hasher final : public totp::recovery_hasher {
 public:
  counting_hasher()
      : inner_(totp::argon2id_hasher::make({256, 1, 1}).value()) {}

  common::result<std::string> hash(std::string_view code) const override {
    ++hashes;
    return inner_.hash(code);
  }
  common::result<void> verify(std::string_view stored,
                              std::string_view code) const override {
    ++hashes;
    return inner_.verify(stored, code);
  }
  const std::string& dummy_hash() const noexcept override {
    return inner_.dummy_hash();
  }

  mutable int hashes = 0;

 private:
  totp::argon2id_hasher inner_;
};

struct fixture {
  counting_hasher hasher;
  totp::recovery_batch batch = totp::generate_recovery_codes(hasher).value();
};

// Changes the last character of a code to another one of the alphabet.
std::string with_wrong_secret(std::string code) {
  code.back() = code.back() == 'Z' ? 'Y' : 'Z';
  return code;
}

}  // namespace

TEST_CASE("a set has ten codes in four groups of four, unique ids") {
  const fixture f;
  REQUIRE(f.batch.codes.size() == totp::kRecoveryCodesPerSet);
  REQUIRE(f.batch.records.size() == totp::kRecoveryCodesPerSet);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < f.batch.codes.size(); ++i) {
    const std::string& code = f.batch.codes[i];
    CAPTURE(code);
    REQUIRE(code.size() == 19);
    for (std::size_t k = 0; k < code.size(); ++k) {
      if (k % 5 == 4) {
        CHECK(code[k] == '-');
      } else {
        CHECK(totp::kRecoveryAlphabet.find(code[k]) != std::string::npos);
      }
    }
    CHECK(f.batch.records[i].lookup_id == code.substr(0, 4));
    CHECK(f.batch.records[i].hash.starts_with("$argon2id$v=19$m=256,t=1,p=1$"));
    CHECK(f.batch.records[i].hash.find(code.substr(5)) == std::string::npos);
    CHECK_FALSE(f.batch.records[i].used);
    ids.insert(f.batch.records[i].lookup_id);
  }
  CHECK(ids.size() == totp::kRecoveryCodesPerSet);
  CHECK(f.hasher.hashes == 10);
}

TEST_CASE("the alphabet has no look-alikes and the secret >= 50 bits") {
  for (const char c : std::string_view("0O1IL")) {
    CAPTURE(c);
    CHECK(totp::kRecoveryAlphabet.find(c) == std::string::npos);
  }
  const std::set<char> distinct(totp::kRecoveryAlphabet.begin(),
                                totp::kRecoveryAlphabet.end());
  CHECK(distinct.size() == totp::kRecoveryAlphabet.size());
  CHECK(totp::kRecoveryAlphabet.size() == 30);
  // Entropy beyond the lookup id: the secret characters only.
  const double bits = static_cast<double>(totp::kRecoverySecretLength) *
                      std::log2(static_cast<double>(distinct.size()));
  MESSAGE("recovery code secret entropy: " << bits << " bits");
  CHECK(bits >= 50.0);
  CHECK(totp::kRecoveryCodeLength - totp::kRecoveryLookupLength ==
        totp::kRecoverySecretLength);
}

TEST_CASE("generated characters cover the whole alphabet") {
  const fixture f;
  std::set<char> seen;
  for (const auto& code : f.batch.codes)
    seen.insert(code.begin(), code.end());
  seen.erase('-');
  // 160 draws from 30 symbols: missing one is a 2e-5 chance per symbol.
  CHECK(seen.size() >= 25);
}

TEST_CASE("input is case-insensitive and ignores spaces and dashes") {
  const fixture f;
  const std::string code = f.batch.codes[3];
  std::string lower = code;
  for (auto& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string spaced;
  for (const char c : code)
    spaced += c == '-' ? std::string("  ") : std::string(1, c);
  std::string bare;
  for (const char c : code)
    if (c != '-')
      bare += c;
  for (const auto& input : {code, lower, spaced, bare, " " + bare + "-"}) {
    CAPTURE(input);
    const auto normal = totp::normalize_recovery_code(input);
    REQUIRE(normal.has_value());
    CHECK(*normal == bare);
    CHECK(
        totp::verify_recovery_code(f.batch.records, input, f.hasher).value() ==
        3);
  }
  CHECK(totp::format_recovery_code(bare) == code);
}

TEST_CASE("malformed recovery codes are refused without a hash") {
  const fixture f;
  const int before = f.hasher.hashes;
  const auto refuse = [&](std::string_view input, errc expected) {
    CAPTURE(input);
    CHECK(
        totp::verify_recovery_code(f.batch.records, input, f.hasher).error() ==
        expected);
  };
  refuse("", errc::recovery_code_wrong_length);
  refuse("ABCD-EFGH-JKMN-PQR", errc::recovery_code_wrong_length);
  refuse("ABCD-EFGH-JKMN-PQRST", errc::recovery_code_wrong_length);
  refuse(std::string(65, '-'), errc::recovery_code_wrong_length);
  refuse("ABCD-EFGH-JKMN-PQR0", errc::recovery_code_bad_character);
  refuse("ABCD-EFGH-JKMN-PQRO", errc::recovery_code_bad_character);
  refuse("ABCD-EFGH-JKMN-PQR1", errc::recovery_code_bad_character);
  refuse("ABCD-EFGH-JKMN-PQRI", errc::recovery_code_bad_character);
  refuse("ABCD-EFGH-JKMN-PQRL", errc::recovery_code_bad_character);
  refuse("ABCD_EFGH_JKMN_PQRS", errc::recovery_code_bad_character);
  refuse("ABCD\tEFGH-JKMN-PQRS", errc::recovery_code_bad_character);
  refuse("ABCD-EFGH-JKMN-PQRÄ", errc::recovery_code_bad_character);
  CHECK(f.hasher.hashes == before);
}

TEST_CASE("every check costs exactly one hash, known id or not") {
  const fixture f;
  const auto costs = [&](std::string_view input) {
    const int before = f.hasher.hashes;
    (void)totp::verify_recovery_code(f.batch.records, input, f.hasher);
    return f.hasher.hashes - before;
  };
  const std::string right = f.batch.codes[0];
  std::string unknown_id;
  for (const char c : totp::kRecoveryAlphabet) {
    const std::string id(4, c);
    if (!totp::find_recovery_record(f.batch.records, id)) {
      unknown_id = id + right.substr(4);
      break;
    }
  }
  CHECK(costs(right) == 1);
  CHECK(costs(with_wrong_secret(right)) == 1);
  CHECK(costs(unknown_id) == 1);
  CHECK(totp::verify_recovery_code(f.batch.records, unknown_id, f.hasher)
            .error() == errc::recovery_code_invalid);
  CHECK(totp::verify_recovery_code(f.batch.records, with_wrong_secret(right),
                                   f.hasher)
            .error() == errc::recovery_code_invalid);
  CHECK(totp::verify_recovery_code({}, right, f.hasher).error() ==
        errc::recovery_code_invalid);
}

TEST_CASE("every code of a set verifies, in any order") {
  const fixture f;
  for (std::size_t i = f.batch.codes.size(); i-- > 0;) {
    CAPTURE(i);
    CHECK(
        totp::verify_recovery_code(f.batch.records, f.batch.codes[i], f.hasher)
            .value() == i);
  }
}

TEST_CASE("a used code is refused even when right") {
  const fixture f;
  totp::recovery_set set = f.batch.records;
  set[2].used = true;
  CHECK(totp::verify_recovery_code(set, f.batch.codes[2], f.hasher).error() ==
        errc::recovery_code_already_used);
  CHECK(totp::verify_recovery_code(set, with_wrong_secret(f.batch.codes[2]),
                                   f.hasher)
            .error() == errc::recovery_code_invalid);
}

TEST_CASE("the number left and the prompt at three or fewer") {
  const fixture f;
  totp::recovery_set set = f.batch.records;
  CHECK(totp::status_of(set).remaining == 10);
  CHECK_FALSE(totp::status_of(set).prompt_new_set);
  for (std::size_t i = 0; i < 6; ++i)
    set[i].used = true;
  CHECK(totp::status_of(set).remaining == 4);
  CHECK_FALSE(totp::status_of(set).prompt_new_set);
  set[6].used = true;
  CHECK(totp::status_of(set).remaining == 3);
  CHECK(totp::status_of(set).prompt_new_set);
  CHECK(totp::status_of({}).prompt_new_set);
}

TEST_CASE("lookup finds each record and nothing else") {
  const fixture f;
  for (std::size_t i = 0; i < f.batch.records.size(); ++i)
    CHECK(totp::find_recovery_record(f.batch.records,
                                     f.batch.records[i].lookup_id) == i);
  CHECK_FALSE(totp::find_recovery_record(f.batch.records, ""));
  CHECK_FALSE(totp::find_recovery_record(f.batch.records, "22222"));
}

TEST_CASE("Argon2id cost is checked, and the server default is usable") {
  CHECK(totp::argon2id_hasher::make({7, 1, 1}).error() ==
        errc::recovery_cost_invalid);
  CHECK(totp::argon2id_hasher::make({64, 0, 1}).error() ==
        errc::recovery_cost_invalid);
  CHECK(totp::argon2id_hasher::make({64, 1, 0}).error() ==
        errc::recovery_cost_invalid);
  CHECK(totp::argon2id_hasher::make({64, 1, 17}).error() ==
        errc::recovery_cost_invalid);
  const auto hasher = totp::argon2id_hasher::make();
  REQUIRE(hasher.has_value());
  CHECK(hasher->dummy_hash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
  const auto stored = hasher->hash("23456789ABCDEFGH");
  REQUIRE(stored.has_value());
  CHECK(hasher->verify(*stored, "23456789ABCDEFGH").has_value());
  CHECK(hasher->verify(*stored, "23456789ABCDEFGJ").error() ==
        errc::recovery_code_invalid);
  CHECK(hasher->verify("$argon2id$garbage", "23456789ABCDEFGH").error() ==
        errc::recovery_hash_failed);
  // Two hashes of one code differ: the salt is random.
  CHECK(hasher->hash("23456789ABCDEFGH").value() != *stored);
}
