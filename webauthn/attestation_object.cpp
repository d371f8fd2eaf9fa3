#include "webauthn/attestation_object.hpp"

namespace webauthn {
namespace {

constexpr std::size_t kMemberCount = 3;

// Fills the member that `pair` names. A member of another name, or of the
// wrong type, makes the object malformed; cbor_decode already refused
// duplicate keys, so three known keys mean each appeared once.
result<void> read_member(const cbor_pair& pair, attestation_object& out) {
  const auto name = cbor_text(pair.key);
  if (!name)
    return errc::attestation_object_malformed;
  if (*name == "fmt") {
    const auto fmt = cbor_text(pair.value);
    if (!fmt)
      return errc::attestation_object_malformed;
    out.fmt = std::string(*fmt);
  } else if (*name == "attStmt") {
    if (!cbor_isa_map(pair.value))
      return errc::attestation_object_malformed;
    out.statement.reset(cbor_incref(pair.value));
  } else if (*name == "authData") {
    const auto auth_data = cbor_bytes(pair.value);
    if (!auth_data)
      return errc::attestation_object_malformed;
    out.auth_data.assign(auth_data->begin(), auth_data->end());
  } else {
    return errc::attestation_object_malformed;
  }
  return {};
}

}  // namespace

result<attestation_object> parse_attestation_object(common::byte_view data) {
  auto decoded = cbor_decode(data);
  if (!decoded)
    return decoded.error();
  const cbor_item_t* root = decoded->get();
  if (!cbor_isa_map(root) || cbor_map_size(root) != kMemberCount)
    return errc::attestation_object_malformed;

  attestation_object out;
  const cbor_pair* pairs = cbor_map_handle(root);
  for (std::size_t i = 0; i < kMemberCount; ++i) {
    if (const auto r = read_member(pairs[i], out); !r)
      return r.error();
  }
  return out;
}

}  // namespace webauthn
