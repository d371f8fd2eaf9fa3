#include "common/crypto.hpp"

#include "common/openssl.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <climits>
#include <cstdlib>

namespace common {
namespace ossl {
namespace {

const EVP_MD* fetch_or_abort(const char* name) noexcept {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr)
    std::abort();
  return md;
}

}  // namespace

const EVP_MD* sha256_md() noexcept {
  static const EVP_MD* const md = fetch_or_abort("SHA2-256");
  return md;
}

const EVP_MD* sha384_md() noexcept {
  static const EVP_MD* const md = fetch_or_abort("SHA2-384");
  return md;
}

const EVP_MD* sha512_md() noexcept {
  static const EVP_MD* const md = fetch_or_abort("SHA2-512");
  return md;
}

}  // namespace ossl

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
  EVP_Digest(data.data(), data.size(), out.data(), nullptr, ossl::sha256_md(),
             nullptr);
  return out;
}

sha256_digest hmac_sha256(byte_view key, byte_view data) noexcept {
  sha256_digest out{};
  unsigned int length = 0;
  HMAC(ossl::sha256_md(), key.data(), static_cast<int>(key.size()), data.data(),
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
