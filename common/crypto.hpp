// Secret-safe primitives: constant-time comparison, wiping, and random
// bytes from OpenSSL's CSPRNG.
//
// Thread-safe: OpenSSL 3's default random generator is per thread.
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"

#include <array>

namespace common {

// True when both ranges have the same length and the same bytes. The time
// taken depends on the lengths only, never on where the bytes differ.
bool constant_time_equal(byte_view a, byte_view b) noexcept;

// Overwrites memory in a way the compiler may not optimise away.
void wipe(std::span<std::uint8_t> data) noexcept;

using sha256_digest = std::array<std::uint8_t, 32>;

// The SHA-256 hash of `data`.
sha256_digest sha256(byte_view data) noexcept;

// HMAC-SHA-256 of `data` under `key` (RFC 2104).
sha256_digest hmac_sha256(byte_view key, byte_view data) noexcept;

// `count` bytes from RAND_bytes. Fails with random_failed when OpenSSL
// cannot seed its generator.
result<bytes> random_bytes(std::size_t count);

// Fills `out` from RAND_bytes; the same failure as above.
result<void> random_fill(std::span<std::uint8_t> out);

}  // namespace common
