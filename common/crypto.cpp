#include "common/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <climits>

namespace common {

bool constant_time_equal(byte_view a, byte_view b) noexcept {
  // Lengths are not secret here: every caller compares fixed-size values
  // (hashes, challenges, tokens) whose length is public.
  if (a.size() != b.size())
    return false;
  if (a.empty())
    return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void wipe(std::span<std::uint8_t> data) noexcept {
  if (!data.empty())
    OPENSSL_cleanse(data.data(), data.size());
}

sha256_digest sha256(byte_view data) noexcept {
  sha256_digest out{};
  SHA256(data.data(), data.size(), out.data());
  return out;
}

sha256_digest hmac_sha256(byte_view key, byte_view data) noexcept {
  sha256_digest out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(),
       data.size(), out.data(), &length);
  return out;
}

result<void> random_fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, INT_MAX);
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
      return errc::random_failed;
    }
    done += chunk;
  }
  return {};
}

result<bytes> random_bytes(std::size_t count) {
  bytes out(count);
  if (auto filled = random_fill(out); !filled)
    return filled.error();
  return out;
}

}  // namespace common
