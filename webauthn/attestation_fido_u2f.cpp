#include "webauthn/attestation.hpp"
#include "webauthn/attestation_common.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <array>

namespace webauthn {
namespace {

namespace ossl = common::ossl;

constexpr std::array<std::string_view, 2> kMembers = {"sig", "x5c"};
enum member : std::size_t { kSig, kX5c };

constexpr std::size_t kCoordinateSize = 32;  // P-256
constexpr std::uint8_t kReservedByte = 0x00;
constexpr std::uint8_t kUncompressedPoint = 0x04;

// Appends one affine coordinate of `key`, left-padded to its fixed size
// as the U2F raw message format writes it.
bool append_coordinate(common::bytes& out, EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    ERR_clear_error();
    return false;
  }
  const ossl::bignum value(raw);
  const std::size_t start = out.size();
  out.resize(start + kCoordinateSize);
  return BN_bn2binpad(value.get(), out.data() + start,
                      static_cast<int>(kCoordinateSize)) ==
         static_cast<int>(kCoordinateSize);
}

// FIDO U2F raw message formats, section 4.3: what a U2F device signs when
// it registers, rebuilt from the WebAuthn pieces.
result<common::bytes> u2f_signed_data(const attestation_input& input) {
  const authenticator_data& data = *input.auth_data;
  const common::bytes& id = data.attested->credential_id;
  common::bytes out;
  out.reserve(1 + data.rp_id_hash.size() + input.client_data_hash.size() +
              id.size() + 1 + 2 * kCoordinateSize);
  out.push_back(kReservedByte);
  out.insert(out.end(), data.rp_id_hash.begin(), data.rp_id_hash.end());
  out.insert(out.end(), input.client_data_hash.begin(),
             input.client_data_hash.end());
  out.insert(out.end(), id.begin(), id.end());
  out.push_back(kUncompressedPoint);
  EVP_PKEY* key = input.credential_key->key.get();
  if (!append_coordinate(out, key, OSSL_PKEY_PARAM_EC_PUB_X) ||
      !append_coordinate(out, key, OSSL_PKEY_PARAM_EC_PUB_Y))
    return errc::attestation_key_not_p256;
  return out;
}

bool credential_is_es256(const cose_key& key) noexcept {
  return key.type == cose_key_type::ec2 && key.curve == cose_curve::p256 &&
         key.algorithm == cose_algorithm::es256 && is_p256_key(key.key.get());
}

}  // namespace

// WebAuthn Level 3 section 8.6: {sig, x5c} with x5c holding exactly the
// attestation certificate, whose key must be on P-256 like the credential
// key. U2F has no other attestation than basic.
result<attestation_result> verify_fido_u2f_attestation(
    const attestation_input& input) {
  std::array<const cbor_item_t*, kMembers.size()> members{};
  if (const auto r = read_statement_members(input.statement, kMembers, members);
      !r)
    return r.error();
  const auto sig = statement_bytes(members[kSig]);
  if (!sig)
    return sig.error();
  const cbor_item_t* x5c = members[kX5c];
  if (x5c != nullptr && cbor_isa_array(x5c) && cbor_array_size(x5c) != 1)
    return errc::attestation_statement_malformed;
  auto chain = parse_x5c(x5c);
  if (!chain)
    return chain.error();
  EVP_PKEY* certificate_key = X509_get0_pubkey(chain->parsed.front().get());
  if (!is_p256_key(certificate_key))
    return errc::attestation_key_not_p256;
  if (const auto r = require_credential(input); !r)
    return r.error();
  if (!credential_is_es256(*input.credential_key))
    return errc::attestation_key_not_p256;

  const auto message = u2f_signed_data(input);
  if (!message)
    return message.error();
  const auto verified = verify_attestation_signature(
      cose_algorithm::es256, certificate_key, *message, *sig);
  if (!verified)
    return verified.error();
  return attestation_result{attestation_type::basic, std::move(chain->der)};
}

}  // namespace webauthn
