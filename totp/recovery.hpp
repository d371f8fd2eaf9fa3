// Recovery codes: the way back in when every other second factor is lost.
//
// A set has ten codes. Each is 16 characters from a 30-letter alphabet
// without look-alikes (no 0 O 1 I L, and no U), shown in four groups of
// four, such as "7KDM-Q2XH-9TRB-WE4N". The first group is a lookup id that
// finds the stored record; the other twelve characters are the secret,
// 12 * log2(30) = 58.9 bits of entropy. Input is case-insensitive and
// ignores spaces and dashes.
//
// Each code is stored as its lookup id and an Argon2id hash of the whole
// code (random 16-byte salt, 32-byte output, PHC string form). Checking a
// submitted code costs exactly one hash whether or not its lookup id
// exists: an unknown id is hashed against a dummy of the same cost, so the
// time taken does not say which ids exist. Malformed input (wrong length,
// a character outside the alphabet) is refused before any hash: its shape
// is public and tells an attacker nothing.
//
// What storage does: mark a code used atomically (two racing requests
// cannot both use it) and replace the whole set when a new one is made
// (the old codes die with it). The pure pieces are here; enrollment.hpp
// holds the state transitions.
//
// Thread-safe: a hasher is immutable after construction and may be shared;
// the functions share nothing mutable.
#pragma once

#include "totp/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace totp {

inline constexpr std::size_t kRecoveryCodesPerSet = 10;
inline constexpr std::size_t kRecoveryLookupLength = 4;
inline constexpr std::size_t kRecoverySecretLength = 12;
inline constexpr std::size_t kRecoveryCodeLength =
    kRecoveryLookupLength + kRecoverySecretLength;
inline constexpr std::size_t kRecoveryGroupLength = 4;
inline constexpr std::string_view kRecoveryAlphabet =
    "23456789ABCDEFGHJKMNPQRSTVWXYZ";
// At this many unused codes or fewer, the user is asked to make a new set.
inline constexpr std::size_t kRecoveryPromptAt = 3;

// Argon2id cost. The defaults are OWASP's first recommendation for
// servers (19 MiB, two passes, one lane): about 20 to 40 ms on one core of
// a current server, which, with per-account rate limits, puts the 58.9-bit
// codes out of reach even of an attacker who holds the database.
struct argon2_cost {
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t iterations = 2;
  std::uint32_t lanes = 1;
};

// The slow salted hash behind recovery codes; an interface so that tests
// can count calls and use a cheap cost.
class recovery_hasher {
 public:
  virtual ~recovery_hasher() = default;

  // A salted hash of a normalized code, as a self-describing string.
  // Fails with recovery_hash_failed or common::errc::random_failed.
  virtual result<std::string> hash(std::string_view code) const = 0;

  // Succeeds when `code` is the one hashed into `stored`; fails with
  // recovery_code_invalid otherwise, or recovery_hash_failed.
  virtual result<void> verify(std::string_view stored,
                              std::string_view code) const = 0;

  // A stored hash, of the same cost as real ones, that no code matches.
  virtual const std::string& dummy_hash() const noexcept = 0;
};

class argon2id_hasher final : public recovery_hasher {
 public:
  // Computes the dummy hash (one hash). Fails with recovery_cost_invalid
  // (fewer than 8 KiB per lane, no pass, no lane, more than 4 GiB or more
  // than 16 lanes) or recovery_hash_failed.
  static result<argon2id_hasher> make(argon2_cost cost = {});

  result<std::string> hash(std::string_view code) const override;
  result<void> verify(std::string_view stored,
                      std::string_view code) const override;
  const std::string& dummy_hash() const noexcept override { return dummy_; }
  const argon2_cost& cost() const noexcept { return cost_; }

 private:
  explicit argon2id_hasher(argon2_cost cost) noexcept : cost_(cost) {}

  argon2_cost cost_;
  std::string dummy_;
};

// What storage keeps per code. No secret: the hash is slow and salted.
struct recovery_record {
  std::string lookup_id;
  std::string hash;
  bool used = false;

  friend bool operator==(const recovery_record&,
                         const recovery_record&) = default;
};

using recovery_set = std::vector<recovery_record>;

// A new set: the codes to show once, and the records to store. The codes
// are wiped when the batch is destroyed.
struct recovery_batch {
  std::vector<std::string> codes;  // display form, "7KDM-Q2XH-9TRB-WE4N"
  recovery_set records;            // in the same order

  recovery_batch() = default;
  recovery_batch(recovery_batch&&) noexcept = default;
  recovery_batch& operator=(recovery_batch&&) noexcept = default;
  recovery_batch(const recovery_batch&) = delete;
  recovery_batch& operator=(const recovery_batch&) = delete;
  ~recovery_batch();
};

// Ten codes with distinct lookup ids; ten hashes. Fails with the
// hasher's errors or common::errc::random_failed.
result<recovery_batch> generate_recovery_codes(const recovery_hasher& hasher);

// Upper case, spaces and dashes removed. Fails with
// recovery_code_bad_character or recovery_code_wrong_length (also for
// input over 64 characters, before looking at it).
result<std::string> normalize_recovery_code(std::string_view input);

// "7KDM-Q2XH-9TRB-WE4N" from a normalized code.
std::string format_recovery_code(std::string_view normalized);

// The record with this lookup id. Every record is compared, in constant
// time, whatever the answer.
std::optional<std::size_t> find_recovery_record(const recovery_set& set,
                                                std::string_view lookup_id);

// Normalizes, finds and verifies a submitted code with exactly one hash
// (against the dummy when the lookup id is unknown) and returns the index
// of its record. Fails with the errors of normalize_recovery_code,
// recovery_code_invalid (unknown id or wrong secret: the same answer),
// recovery_code_already_used (a correct code whose record is used) or
// recovery_hash_failed.
result<std::size_t> verify_recovery_code(const recovery_set& set,
                                         std::string_view input,
                                         const recovery_hasher& hasher);

struct recovery_status {
  std::size_t remaining = 0;    // unused codes
  bool prompt_new_set = false;  // remaining <= kRecoveryPromptAt
};

recovery_status status_of(const recovery_set& set) noexcept;

}  // namespace totp
