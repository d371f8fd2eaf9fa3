#include "totp/otp.hpp"

#include "common/base32.hpp"
#include "common/crypto.hpp"
#include "common/openssl.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <array>

namespace totp {
namespace {

namespace ossl = common::ossl;

constexpr std::size_t kMaxMacSize = 64;
constexpr std::size_t kMaxCodeInput = 64;

using mac_buffer = std::array<std::uint8_t, kMaxMacSize>;
using code_buffer = std::array<std::uint8_t, kMaxDigits>;

// The HMAC implementation, fetched once: fetching by name on every call
// would cost more than the HMAC itself. EVP_MAC objects may be shared
// between threads; contexts are per call.
EVP_MAC* hmac_implementation() noexcept {
  static const ossl::mac mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  return mac.get();
}

const char* digest_name(algorithm a) noexcept {
  switch (a) {
    case algorithm::sha256:
      return "SHA256";
    case algorithm::sha512:
      return "SHA512";
    case algorithm::sha1:
      break;
  }
  return "SHA1";
}

result<void> check_secret_size(std::size_t size) {
  if (size < kMinSecretSize)
    return errc::secret_too_short;
  if (size > kMaxSecretSize)
    return errc::secret_too_long;
  return {};
}

// An HMAC keyed once and then applied to several counters, as a window
// check needs: each counter gets a copy of the keyed context.
class keyed_hmac {
 public:
  static result<keyed_hmac> make(algorithm a, common::byte_view key) {
    if (auto size = check_secret_size(key.size()); !size)
      return size.error();
    EVP_MAC* mac = hmac_implementation();
    if (mac == nullptr)
      return errc::hmac_failed;
    ossl::mac_ctx ctx(EVP_MAC_CTX_new(mac));
    char* digest = const_cast<char*>(digest_name(a));
    const OSSL_PARAM settings[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end()};
    if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), settings) != 1)
      return errc::hmac_failed;
    return keyed_hmac(std::move(ctx));
  }

  // HMAC(key, counter as 8 big-endian bytes) into `out`; returns its size.
  result<std::size_t> compute(std::uint64_t counter, mac_buffer& out) const {
    std::array<std::uint8_t, 8> message{};
    for (std::size_t i = 0; i < message.size(); ++i)
      message[i] = static_cast<std::uint8_t>(counter >> (56 - 8 * i));
    const ossl::mac_ctx ctx(EVP_MAC_CTX_dup(keyed_.get()));
    std::size_t size = 0;
    if (!ctx ||
        EVP_MAC_update(ctx.get(), message.data(), message.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out.data(), &size, out.size()) != 1) {
      return errc::hmac_failed;
    }
    return size;
  }

 private:
  explicit keyed_hmac(ossl::mac_ctx keyed) noexcept
      : keyed_(std::move(keyed)) {}

  ossl::mac_ctx keyed_;
};

// RFC 4226 section 5.3: the low four bits of the last byte pick where four
// bytes are read; the top bit is dropped so signedness cannot differ.
std::uint32_t truncate(const mac_buffer& mac, std::size_t size) noexcept {
  const std::size_t offset = mac[size - 1] & 0x0f;
  return (std::uint32_t{mac[offset]} & 0x7f) << 24 |
         std::uint32_t{mac[offset + 1]} << 16 |
         std::uint32_t{mac[offset + 2]} << 8 | std::uint32_t{mac[offset + 3]};
}

std::uint32_t power_of_ten(int digits) noexcept {
  std::uint32_t n = 1;
  for (int i = 0; i < digits; ++i)
    n *= 10;
  return n;
}

// Writes the code for `counter` into `out` (its first `digits` chars).
result<void> code_at(const keyed_hmac& hmac, std::uint64_t counter, int digits,
                     code_buffer& out) {
  mac_buffer mac{};
  const auto size = hmac.compute(counter, mac);
  if (!size)
    return size.error();
  std::uint32_t value = truncate(mac, *size) % power_of_ten(digits);
  common::wipe(mac);
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] =
        static_cast<std::uint8_t>('0' + value % 10);
    value /= 10;
  }
  return {};
}

result<void> check_digits(int digits) {
  if (digits < kMinDigits || digits > kMaxDigits)
    return errc::digits_out_of_range;
  return {};
}

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

}  // namespace

std::string_view name_of(algorithm a) noexcept {
  return digest_name(a);
}

std::size_t secret_size(algorithm a) noexcept {
  switch (a) {
    case algorithm::sha256:
      return 32;
    case algorithm::sha512:
      return 64;
    case algorithm::sha1:
      break;
  }
  return 20;
}

result<void> check_params(const params& p) {
  if (auto digits = check_digits(p.digits); !digits)
    return digits.error();
  if (p.period < kMinPeriod || p.period > kMaxPeriod)
    return errc::period_out_of_range;
  if (p.window < 0 || p.window > kMaxWindow)
    return errc::window_out_of_range;
  return {};
}

secret& secret::operator=(const secret& other) {
  if (this != &other) {
    common::wipe(data_);
    data_ = other.data_;
  }
  return *this;
}

secret& secret::operator=(secret&& other) noexcept {
  if (this != &other) {
    common::wipe(data_);
    data_ = std::move(other.data_);
  }
  return *this;
}

secret::~secret() {
  common::wipe(data_);
}

bool operator==(const secret& a, const secret& b) noexcept {
  return common::constant_time_equal(a.view(), b.view());
}

result<secret> generate_secret(algorithm a) {
  auto data = common::random_bytes(secret_size(a));
  if (!data)
    return data.error();
  return secret(std::move(*data));
}

std::string secret_to_base32(const secret& s) {
  return common::base32_encode(s.view());
}

result<secret> secret_from_base32(std::string_view text) {
  auto data = common::base32_decode(text);
  if (!data)
    return data.error();
  secret decoded(std::move(*data));
  if (auto size = check_secret_size(decoded.size()); !size)
    return size.error();
  return decoded;
}

result<std::uint32_t> hotp_value(algorithm a, common::byte_view key,
                                 std::uint64_t counter) {
  const auto hmac = keyed_hmac::make(a, key);
  if (!hmac)
    return hmac.error();
  mac_buffer mac{};
  const auto size = hmac->compute(counter, mac);
  if (!size)
    return size.error();
  const std::uint32_t value = truncate(mac, *size);
  common::wipe(mac);
  return value;
}

result<std::string> hotp_code(algorithm a, common::byte_view key,
                              std::uint64_t counter, int digits) {
  if (auto checked = check_digits(digits); !checked)
    return checked.error();
  const auto hmac = keyed_hmac::make(a, key);
  if (!hmac)
    return hmac.error();
  code_buffer code{};
  if (auto written = code_at(*hmac, counter, digits, code); !written)
    return written.error();
  std::string out(
      common::as_text(code).substr(0, static_cast<std::size_t>(digits)));
  common::wipe(code);
  return out;
}

result<std::int64_t> time_step(common::time_point t, std::int64_t period) {
  return time_step_at(common::to_unix_seconds(t), period);
}

result<std::int64_t> time_step_at(std::int64_t unix_seconds,
                                  std::int64_t period) {
  if (period < kMinPeriod || period > kMaxPeriod)
    return errc::period_out_of_range;
  if (unix_seconds < 0)
    return errc::time_before_epoch;
  return unix_seconds / period;
}

result<std::string> totp_code(const secret& key, common::time_point t,
                              const params& p) {
  return totp_code_at(key, common::to_unix_seconds(t), p);
}

result<std::string> totp_code_at(const secret& key, std::int64_t unix_seconds,
                                 const params& p) {
  const auto step = time_step_at(unix_seconds, p.period);
  if (!step)
    return step.error();
  return hotp_code(p.hash, key.view(), static_cast<std::uint64_t>(step.value()),
                   p.digits);
}

result<void> check_code_format(std::string_view code, int digits) {
  // Oversized input says nothing more; refuse it before scanning it.
  if (code.size() > kMaxCodeInput)
    return errc::code_wrong_length;
  for (const char c : code) {
    if (is_space(c))
      return errc::code_contains_whitespace;
  }
  for (const char c : code) {
    if (c < '0' || c > '9')
      return errc::code_not_digits;
  }
  if (code.size() != static_cast<std::size_t>(digits))
    return errc::code_wrong_length;
  return {};
}

result<std::int64_t> verify_code(std::string_view code, const secret& key,
                                 common::time_point now, const params& p) {
  return accept_code(code, key, now, p, std::nullopt);
}

result<void> refuse_replay(std::int64_t step,
                           std::optional<std::int64_t> last_accepted_step) {
  if (last_accepted_step && step <= *last_accepted_step)
    return errc::code_already_used;
  return {};
}

result<std::int64_t> accept_code(
    std::string_view code, const secret& key, common::time_point now,
    const params& p, std::optional<std::int64_t> last_accepted_step) {
  if (auto checked = check_params(p); !checked)
    return checked.error();
  if (auto shape = check_code_format(code, p.digits); !shape)
    return shape.error();
  const auto center = time_step(now, p.period);
  if (!center)
    return center.error();
  const auto hmac = keyed_hmac::make(p.hash, key.view());
  if (!hmac)
    return hmac.error();

  // Every step of the window is computed and compared, and the outcome is
  // folded in with masks rather than branches, so the time taken does not
  // depend on whether or where the code matched. Whether a step is usable
  // depends only on the step and the stored last step, not on the code.
  const common::byte_view submitted = common::as_bytes(code);
  const auto digits = static_cast<std::size_t>(p.digits);
  std::uint64_t matched = 0;
  std::uint64_t matched_usable = 0;
  std::uint64_t chosen = 0;
  code_buffer expected{};
  for (std::int64_t step = *center - p.window; step <= *center + p.window;
       ++step) {
    if (step < 0)
      continue;  // before the epoch: no such step
    auto written =
        code_at(*hmac, static_cast<std::uint64_t>(step), p.digits, expected);
    if (!written)
      return written.error();
    const std::uint64_t equal = common::constant_time_equal(
        submitted, common::byte_view(expected).first(digits));
    const std::uint64_t usable =
        !last_accepted_step || step > *last_accepted_step;
    const std::uint64_t mask = 0 - (equal & usable);
    chosen = (chosen & ~mask) | (static_cast<std::uint64_t>(step) & mask);
    matched |= equal;
    matched_usable |= equal & usable;
  }
  common::wipe(expected);

  if (matched_usable != 0)
    return static_cast<std::int64_t>(chosen);
  return matched != 0 ? errc::code_already_used : errc::code_mismatch;
}

}  // namespace totp
