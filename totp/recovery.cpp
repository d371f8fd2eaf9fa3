#include "totp/recovery.hpp"

#include "common/bytes.hpp"
#include "common/crypto.hpp"

#include <argon2.h>

#include <array>

namespace totp {
namespace {

constexpr std::size_t kMaxInput = 64;
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kHashSize = 32;
constexpr std::uint32_t kMaxMemoryKib = 4u * 1024 * 1024;
constexpr std::uint32_t kMaxLanes = 16;
// The dummy's salt is fixed so that making it needs no randomness; it is
// never compared with anything a code could produce.
constexpr std::string_view kDummySalt = "latchkey-dummy!!";
static_assert(kDummySalt.size() == kSaltSize);

void wipe_text(std::string& text) noexcept {
  common::wipe(
      std::span(reinterpret_cast<std::uint8_t*>(text.data()), text.size()));
}

// A random string over kRecoveryAlphabet. Rejection sampling keeps every
// character uniform: bytes of 240 or more (8 * 30) are drawn again.
result<std::string> random_characters(std::size_t count) {
  constexpr std::size_t kSize = kRecoveryAlphabet.size();
  constexpr std::size_t kLimit = 256 / kSize * kSize;
  std::string out;
  std::array<std::uint8_t, 32> pool{};
  while (out.size() < count) {
    if (auto filled = common::random_fill(pool); !filled)
      return filled.error();
    for (const std::uint8_t b : pool) {
      if (b < kLimit && out.size() < count)
        out += kRecoveryAlphabet[b % kSize];
    }
  }
  common::wipe(pool);
  return out;
}

// A code whose lookup id no earlier code of the batch has.
result<std::string> fresh_code(const recovery_set& taken) {
  while (true) {
    auto code = random_characters(kRecoveryCodeLength);
    if (!code)
      return code.error();
    const std::string_view id =
        std::string_view(*code).substr(0, kRecoveryLookupLength);
    bool duplicate = false;
    for (const auto& record : taken)
      duplicate = duplicate || record.lookup_id == id;
    if (!duplicate)
      return code;
    wipe_text(*code);
  }
}

bool in_alphabet(char c) noexcept {
  return kRecoveryAlphabet.find(c) != std::string_view::npos;
}

char upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

result<std::string> argon2id_encode(const argon2_cost& cost,
                                    std::string_view code,
                                    common::byte_view salt) {
  std::string encoded(
      argon2_encodedlen(cost.iterations, cost.memory_kib, cost.lanes, kSaltSize,
                        kHashSize, Argon2_id),
      '\0');
  const int status = argon2id_hash_encoded(
      cost.iterations, cost.memory_kib, cost.lanes, code.data(), code.size(),
      salt.data(), salt.size(), kHashSize, encoded.data(), encoded.size());
  if (status != ARGON2_OK)
    return errc::recovery_hash_failed;
  encoded.resize(encoded.find('\0'));
  return encoded;
}

}  // namespace

result<argon2id_hasher> argon2id_hasher::make(argon2_cost cost) {
  if (cost.lanes == 0 || cost.lanes > kMaxLanes || cost.iterations == 0 ||
      cost.memory_kib < 8 * cost.lanes || cost.memory_kib > kMaxMemoryKib) {
    return errc::recovery_cost_invalid;
  }
  argon2id_hasher hasher(cost);
  auto dummy = argon2id_encode(cost, "", common::as_bytes(kDummySalt));
  if (!dummy)
    return dummy.error();
  hasher.dummy_ = std::move(*dummy);
  return hasher;
}

result<std::string> argon2id_hasher::hash(std::string_view code) const {
  std::array<std::uint8_t, kSaltSize> salt{};
  if (auto filled = common::random_fill(salt); !filled)
    return filled.error();
  return argon2id_encode(cost_, code, salt);
}

result<void> argon2id_hasher::verify(std::string_view stored,
                                     std::string_view code) const {
  // libargon2 recomputes the hash and compares it in constant time.
  const std::string terminated(stored);
  const int status =
      argon2id_verify(terminated.c_str(), code.data(), code.size());
  if (status == ARGON2_OK)
    return {};
  if (status == ARGON2_VERIFY_MISMATCH)
    return errc::recovery_code_invalid;
  return errc::recovery_hash_failed;
}

recovery_batch::~recovery_batch() {
  for (auto& code : codes)
    wipe_text(code);
}

result<recovery_batch> generate_recovery_codes(const recovery_hasher& hasher) {
  recovery_batch batch;
  while (batch.records.size() < kRecoveryCodesPerSet) {
    auto code = fresh_code(batch.records);
    if (!code)
      return code.error();
    auto hashed = hasher.hash(*code);
    if (!hashed) {
      wipe_text(*code);
      return hashed.error();
    }
    batch.records.push_back(
        {code->substr(0, kRecoveryLookupLength), std::move(*hashed), false});
    batch.codes.push_back(format_recovery_code(*code));
    wipe_text(*code);
  }
  return batch;
}

result<std::string> normalize_recovery_code(std::string_view input) {
  if (input.size() > kMaxInput)
    return errc::recovery_code_wrong_length;
  std::string out;
  out.reserve(kRecoveryCodeLength);
  for (const char c : input) {
    if (c == ' ' || c == '-')
      continue;
    const char u = upper(c);
    if (!in_alphabet(u)) {
      wipe_text(out);
      return errc::recovery_code_bad_character;
    }
    out += u;
  }
  if (out.size() != kRecoveryCodeLength) {
    wipe_text(out);
    return errc::recovery_code_wrong_length;
  }
  return out;
}

std::string format_recovery_code(std::string_view normalized) {
  std::string out;
  for (std::size_t i = 0; i < normalized.size(); ++i) {
    if (i != 0 && i % kRecoveryGroupLength == 0)
      out += '-';
    out += normalized[i];
  }
  return out;
}

std::optional<std::size_t> find_recovery_record(const recovery_set& set,
                                                std::string_view lookup_id) {
  // Masks instead of an early return: the scan takes as long for the
  // first record as for none.
  std::size_t found = 0;
  std::size_t any = 0;
  for (std::size_t i = 0; i < set.size(); ++i) {
    const std::size_t equal = common::constant_time_equal(
        common::as_bytes(set[i].lookup_id), common::as_bytes(lookup_id));
    const std::size_t mask = 0 - equal;
    found = (found & ~mask) | (i & mask);
    any |= equal;
  }
  if (any == 0)
    return std::nullopt;
  return found;
}

result<std::size_t> verify_recovery_code(const recovery_set& set,
                                         std::string_view input,
                                         const recovery_hasher& hasher) {
  auto code = normalize_recovery_code(input);
  if (!code)
    return code.error();
  const auto index = find_recovery_record(
      set, std::string_view(*code).substr(0, kRecoveryLookupLength));
  // Exactly one hash either way; an unknown id costs what a known one does.
  const std::string& stored = index ? set[*index].hash : hasher.dummy_hash();
  const auto verified = hasher.verify(stored, *code);
  wipe_text(*code);
  if (!index)
    return errc::recovery_code_invalid;
  if (!verified)
    return verified.error();
  if (set[*index].used)
    return errc::recovery_code_already_used;
  return *index;
}

recovery_status status_of(const recovery_set& set) noexcept {
  recovery_status status;
  for (const auto& record : set)
    status.remaining += record.used ? 0 : 1;
  status.prompt_new_set = status.remaining <= kRecoveryPromptAt;
  return status;
}

}  // namespace totp
