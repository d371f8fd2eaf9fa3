// Password hashing: Argon2id (RFC 9106) through libargon2, stored as the
// standard PHC string
//
//   $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// (salt and hash in unpadded standard base64), so every hash carries the
// cost it was made with. A stored hash keeps verifying after the configured
// cost changes; the verdict then says it needs an upgrade, and the server
// hashes the password again under the new cost on that successful sign-in.
//
// Lives in storage/ because the PHC string is what the store keeps in
// users.password_hash, and the rules for reading it back belong beside it.
//
// Costs: the configured cost may not fall below OWASP's first
// recommendation for Argon2id (19 MiB, 2 passes); stored hashes of any
// sane cost still verify, so lowering is refused but older hashes are
// not locked out. Every hash takes 19 MiB while it runs: callers bound
// how many run at once.
//
// Passwords are taken by mutable reference and wiped (overwritten, then
// cleared) before each function returns, on every path; the raw hashes
// computed on the way are wiped too. Nothing here logs.
//
// Thread-safe: pure functions; any number may run at once.
#pragma once

#include "common/bytes.hpp"
#include "storage/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace storage {

struct password_cost {
  std::uint32_t memory_kib = 19 * 1024;  // m: 19 MiB
  std::uint32_t passes = 2;              // t
  std::uint32_t lanes = 1;               // p

  friend bool operator==(const password_cost&, const password_cost&) = default;
};

// The least a configured cost may ask for.
inline constexpr password_cost kMinimumPasswordCost{19 * 1024, 2, 1};

inline constexpr std::size_t kPasswordSaltSize = 16;
inline constexpr std::size_t kPasswordHashSize = 32;
// Longer input is refused (common::errc::too_large) before any hashing.
inline constexpr std::size_t kMaxPasswordSize = 4096;

// Fails with password_cost_too_low when memory is under 19 MiB or passes
// under 2, and with password_cost_out_of_range when lanes are 0 or more
// than 16, memory is under 8 KiB per lane or over 1 GiB, or passes over 32.
result<void> check_password_cost(const password_cost& cost);

// A PHC string of `password` under `cost`, with a fresh 16-byte salt from
// the CSPRNG and a 32-byte hash. Wipes `password`. Fails with the errors
// of check_password_cost, common::errc::too_large, common::errc::
// random_failed, or password_hash_failed (libargon2 failed, usually for
// lack of memory).
result<std::string> hash_password(std::string& password,
                                  const password_cost& cost = {});

// What a matching password also tells: whether its hash was made with
// other parameters than the configured ones (cost, salt or hash size),
// so the caller should store hash_password's answer in its place.
struct password_verdict {
  bool needs_upgrade = false;
};

// Checks `password` against a stored PHC string, using the parameters the
// string names. The hash is compared in constant time, and the work done
// depends on the stored parameters only. Wipes `password`. Fails with
// password_mismatch, the errors of parse_password_hash, common::errc::
// too_large, or password_hash_failed.
result<password_verdict> verify_password(std::string& password,
                                         std::string_view phc,
                                         const password_cost& configured = {});

// A PHC string taken apart.
struct password_hash {
  password_cost cost;
  common::bytes salt;
  common::bytes hash;
};

// Strict: exactly $argon2id$v=19$m=M,t=T,p=P$SALT$HASH, decimal numbers
// without sign or leading zeros, canonical unpadded base64. Fails with
//   password_hash_malformed     another shape, or fields missing or extra
//   password_hash_unsupported   another algorithm, or version other than 19
//   password_hash_bad_encoding  salt or hash not canonical base64
//   password_hash_out_of_range  a cost out of the bounds above (lower
//                               costs than the minimum are allowed here),
//                               salt not 8 to 64 bytes, hash not 16 to 64
result<password_hash> parse_password_hash(std::string_view phc);

}  // namespace storage
