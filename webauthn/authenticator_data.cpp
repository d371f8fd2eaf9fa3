#include "webauthn/authenticator_data.hpp"

#include "webauthn/cbor.hpp"

#include <algorithm>

namespace webauthn {
namespace {

constexpr std::size_t kCredentialIdMax = 1023;

// A cursor over the data that refuses to read past its end.
class reader {
 public:
  explicit reader(common::byte_view data) noexcept : data_(data) {}

  std::size_t left() const noexcept { return data_.size() - pos_; }
  common::byte_view rest() const noexcept { return data_.subspan(pos_); }

  result<common::byte_view> take(std::size_t size) noexcept {
    if (size > left())
      return errc::authenticator_data_truncated;
    const common::byte_view out = data_.subspan(pos_, size);
    pos_ += size;
    return out;
  }

  result<std::uint32_t> take_be(std::size_t size) noexcept {
    const auto field = take(size);
    if (!field)
      return field.error();
    std::uint32_t value = 0;
    for (const std::uint8_t b : *field)
      value = (value << 8) | b;
    return value;
  }

 private:
  common::byte_view data_;
  std::size_t pos_ = 0;
};

result<attested_credential> read_attested(reader& in) {
  attested_credential out;
  const auto guid = in.take(out.aaguid.size());
  if (!guid)
    return guid.error();
  std::ranges::copy(*guid, out.aaguid.begin());
  const auto id_length = in.take_be(2);
  if (!id_length)
    return id_length.error();
  if (*id_length > kCredentialIdMax)
    return errc::credential_id_too_long;
  const auto id = in.take(*id_length);
  if (!id)
    return id.error();
  out.credential_id.assign(id->begin(), id->end());

  if (in.left() == 0)
    return errc::authenticator_data_truncated;
  const auto key_length = cbor_item_length(in.rest());
  if (!key_length)
    return key_length.error();
  const auto key = in.take(*key_length);
  if (!key)
    return key.error();
  out.public_key.assign(key->begin(), key->end());
  return out;
}

result<common::bytes> read_extensions(reader& in) {
  constexpr std::uint8_t kMajorMap = 5;
  if (in.left() == 0)
    return errc::authenticator_data_truncated;
  const auto length = cbor_item_length(in.rest());
  if (!length)
    return length.error();
  const auto map = in.take(*length);
  if (!map)
    return map.error();
  if (((*map)[0] >> 5) != kMajorMap)
    return errc::extensions_malformed;
  return common::bytes(map->begin(), map->end());
}

}  // namespace

authenticator_flags decode_flags(std::uint8_t bits) noexcept {
  const auto bit = [bits](int n) { return ((bits >> n) & 1) != 0; };
  authenticator_flags out;
  out.user_present = bit(0);
  out.user_verified = bit(2);
  out.backup_eligible = bit(3);
  out.backup_state = bit(4);
  out.attested_data = bit(6);
  out.extension_data = bit(7);
  return out;
}

result<authenticator_data> parse_authenticator_data(common::byte_view data) {
  reader in(data);
  authenticator_data out;
  const auto hash = in.take(out.rp_id_hash.size());
  if (!hash)
    return hash.error();
  std::ranges::copy(*hash, out.rp_id_hash.begin());
  const auto flags = in.take_be(1);
  if (!flags)
    return flags.error();
  out.flags = decode_flags(static_cast<std::uint8_t>(*flags));
  const auto counter = in.take_be(4);
  if (!counter)
    return counter.error();
  out.sign_count = *counter;

  if (out.flags.attested_data) {
    auto attested = read_attested(in);
    if (!attested)
      return attested.error();
    out.attested = std::move(*attested);
  }
  if (out.flags.extension_data) {
    auto extensions = read_extensions(in);
    if (!extensions)
      return extensions.error();
    out.extensions = std::move(*extensions);
  }
  if (in.left() != 0)
    return errc::authenticator_data_trailing_bytes;
  out.raw.assign(data.begin(), data.end());
  return out;
}

}  // namespace webauthn
