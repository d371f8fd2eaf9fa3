#include "storage/password.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"

#include <argon2.h>

#include <array>
#include <charconv>

namespace storage {
namespace {

constexpr std::uint32_t kMaxLanes = 16;
constexpr std::uint32_t kMaxPasses = 32;
constexpr std::uint32_t kMaxMemoryKib = 1024 * 1024;  // 1 GiB
constexpr std::size_t kMinSaltSize = 8;
constexpr std::size_t kMaxSaltSize = 64;
constexpr std::size_t kMinHashSize = 16;
constexpr std::size_t kMaxHashSize = 64;
constexpr std::string_view kPrefix = "$argon2id$v=19$";

void wipe_text(std::string& text) noexcept {
  common::wipe(
      std::span(reinterpret_cast<std::uint8_t*>(text.data()), text.size()));
  text.clear();
}

// Wipes the caller's password on every return path.
class password_wiper {
 public:
  explicit password_wiper(std::string& text) noexcept : text_(text) {}
  password_wiper(const password_wiper&) = delete;
  password_wiper& operator=(const password_wiper&) = delete;
  ~password_wiper() { wipe_text(text_); }

 private:
  std::string& text_;
};

// The bounds any hash must keep, configured or stored: beyond them a
// stored string could make one check take gigabytes or minutes.
bool cost_in_range(const password_cost& cost) noexcept {
  return cost.lanes >= 1 && cost.lanes <= kMaxLanes && cost.passes >= 1 &&
         cost.passes <= kMaxPasses && cost.memory_kib >= 8 * cost.lanes &&
         cost.memory_kib <= kMaxMemoryKib;
}

// PHC strings use standard base64 without padding; common's strict
// base64url codec differs only in two letters, so it is reused with the
// alphabet swapped (after refusing the letters only base64url has).
std::string phc_base64(common::byte_view data) {
  std::string text = common::base64url_encode(data);
  for (char& c : text) {
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  return text;
}

result<common::bytes> phc_unbase64(std::string_view text) {
  std::string swapped(text);
  for (char& c : swapped) {
    if (c == '-' || c == '_')
      return errc::password_hash_bad_encoding;
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  auto decoded = common::base64url_decode(swapped);
  if (!decoded)
    return errc::password_hash_bad_encoding;
  return std::move(*decoded);
}

// A decimal number without sign or leading zero that fits 32 bits.
bool parse_number(std::string_view text, std::uint32_t& out) noexcept {
  if (text.empty() || (text.size() > 1 && text.front() == '0'))
    return false;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Takes "NAME=NUMBER" off the front of `text`, up to `separator` or the
// end.
bool take_parameter(std::string_view& text, std::string_view name,
                    char separator, std::uint32_t& out) noexcept {
  if (!text.starts_with(name) || text.substr(name.size()).empty() ||
      text[name.size()] != '=') {
    return false;
  }
  text.remove_prefix(name.size() + 1);
  const auto end = text.find(separator);
  const bool ok = parse_number(text.substr(0, end), out);
  text =
      end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  return ok;
}

result<void> check_version_and_algorithm(std::string_view phc) {
  if (phc.starts_with(kPrefix))
    return {};
  // Say "unsupported" for a well-formed string of another kind, so an
  // operator who imported bcrypt or argon2i hashes learns why.
  if (phc.starts_with("$argon2id$v=") || phc.starts_with("$argon2i$") ||
      phc.starts_with("$argon2d$") || phc.starts_with("$2") ||
      phc.starts_with("$scrypt$") || phc.starts_with("$pbkdf2")) {
    return errc::password_hash_unsupported;
  }
  return errc::password_hash_malformed;
}

result<void> argon2id_raw(const password_cost& cost, std::string_view password,
                          common::byte_view salt, std::span<std::uint8_t> out) {
  const int status = argon2id_hash_raw(
      cost.passes, cost.memory_kib, cost.lanes, password.data(),
      password.size(), salt.data(), salt.size(), out.data(), out.size());
  if (status != ARGON2_OK) {
    common::wipe(out);
    return errc::password_hash_failed;
  }
  return {};
}

}  // namespace

result<void> check_password_cost(const password_cost& cost) {
  if (!cost_in_range(cost))
    return errc::password_cost_out_of_range;
  if (cost.memory_kib < kMinimumPasswordCost.memory_kib ||
      cost.passes < kMinimumPasswordCost.passes) {
    return errc::password_cost_too_low;
  }
  return {};
}

result<password_hash> parse_password_hash(std::string_view phc) {
  if (auto checked = check_version_and_algorithm(phc); !checked)
    return checked.error();
  std::string_view rest = phc.substr(kPrefix.size());
  password_hash out;
  if (!take_parameter(rest, "m", ',', out.cost.memory_kib) ||
      !take_parameter(rest, "t", ',', out.cost.passes) ||
      !take_parameter(rest, "p", '$', out.cost.lanes)) {
    return errc::password_hash_malformed;
  }
  const auto dollar = rest.find('$');
  if (dollar == std::string_view::npos ||
      rest.find('$', dollar + 1) != std::string_view::npos) {
    return errc::password_hash_malformed;
  }
  auto salt = phc_unbase64(rest.substr(0, dollar));
  auto hash = phc_unbase64(rest.substr(dollar + 1));
  if (!salt || !hash)
    return errc::password_hash_bad_encoding;
  if (!cost_in_range(out.cost) || salt->size() < kMinSaltSize ||
      salt->size() > kMaxSaltSize || hash->size() < kMinHashSize ||
      hash->size() > kMaxHashSize) {
    return errc::password_hash_out_of_range;
  }
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

result<std::string> hash_password(std::string& password,
                                  const password_cost& cost) {
  const password_wiper wiper(password);
  if (auto checked = check_password_cost(cost); !checked)
    return checked.error();
  if (password.size() > kMaxPasswordSize)
    return common::errc::too_large;
  std::array<std::uint8_t, kPasswordSaltSize> salt{};
  if (auto filled = common::random_fill(salt); !filled)
    return filled.error();
  std::array<std::uint8_t, kPasswordHashSize> hash{};
  if (auto made = argon2id_raw(cost, password, salt, hash); !made)
    return made.error();
  std::string phc =
      std::string(kPrefix) + "m=" + std::to_string(cost.memory_kib) +
      ",t=" + std::to_string(cost.passes) + ",p=" + std::to_string(cost.lanes) +
      "$" + phc_base64(salt) + "$" + phc_base64(hash);
  common::wipe(hash);
  return phc;
}

result<password_verdict> verify_password(std::string& password,
                                         std::string_view phc,
                                         const password_cost& configured) {
  const password_wiper wiper(password);
  if (password.size() > kMaxPasswordSize)
    return common::errc::too_large;
  auto stored = parse_password_hash(phc);
  if (!stored)
    return stored.error();
  common::bytes computed(stored->hash.size());
  if (auto made = argon2id_raw(stored->cost, password, stored->salt, computed);
      !made) {
    return made.error();
  }
  const bool match = common::constant_time_equal(computed, stored->hash);
  common::wipe(computed);
  if (!match)
    return errc::password_mismatch;
  password_verdict verdict;
  verdict.needs_upgrade = stored->cost != configured ||
                          stored->salt.size() != kPasswordSaltSize ||
                          stored->hash.size() != kPasswordHashSize;
  return verdict;
}

}  // namespace storage
