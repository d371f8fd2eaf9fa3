#include "webauthn/attestation_common.hpp"

#include "webauthn/signature.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace webauthn {
namespace {

using asn1_object = common::ossl::owner<ASN1_OBJECT, ASN1_OBJECT_free>;

// id-fido-gen-ce-aaguid: the model's AAGUID, as an OCTET STRING inside the
// extension's own OCTET STRING.
constexpr const char* kAaguidOid = "1.3.6.1.4.1.45724.1.1.4";
constexpr std::array<std::uint8_t, 2> kAaguidHeader = {0x04, 0x10};

bool has_group(EVP_PKEY* key, const char* group) noexcept {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
    return false;
  std::array<char, 64> name{};
  std::size_t length = 0;
  if (EVP_PKEY_get_group_name(key, name.data(), name.size(), &length) != 1) {
    ERR_clear_error();
    return false;
  }
  return std::strcmp(name.data(), group) == 0;
}

}  // namespace

common::ossl::x509 parse_certificate_der(common::byte_view der) {
  const unsigned char* p = der.data();
  common::ossl::x509 cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  // A certificate followed by anything else is not one certificate.
  if (cert && p != der.data() + der.size())
    cert.reset();
  ERR_clear_error();
  return cert;
}

result<void> require_credential(const attestation_input& input) {
  if (input.auth_data == nullptr || !input.auth_data->attested ||
      input.credential_key == nullptr || !input.credential_key->key)
    return errc::attested_credential_missing;
  return {};
}

common::bytes signed_data(const attestation_input& input) {
  common::bytes out = input.auth_data->raw;
  out.insert(out.end(), input.client_data_hash.begin(),
             input.client_data_hash.end());
  return out;
}

result<void> read_statement_members(const cbor_item_t* statement,
                                    std::span<const std::string_view> names,
                                    std::span<const cbor_item_t*> values) {
  for (const cbor_item_t*& value : values)
    value = nullptr;
  if (statement == nullptr || !cbor_isa_map(statement) ||
      names.size() != values.size())
    return errc::attestation_statement_malformed;
  const cbor_pair* pairs = cbor_map_handle(statement);
  for (std::size_t i = 0; i < cbor_map_size(statement); ++i) {
    const auto key = cbor_text(pairs[i].key);
    if (!key)
      return errc::attestation_statement_malformed;
    std::size_t slot = 0;
    while (slot < names.size() && names[slot] != *key)
      ++slot;
    if (slot == names.size())
      return errc::attestation_statement_malformed;
    values[slot] = pairs[i].value;
  }
  return {};
}

result<std::int64_t> statement_int(const cbor_item_t* member) {
  const auto value = cbor_int(member);
  if (!value)
    return errc::attestation_statement_malformed;
  return *value;
}

result<byte_view> statement_bytes(const cbor_item_t* member) {
  const auto value = cbor_bytes(member);
  if (!value)
    return errc::attestation_statement_malformed;
  return *value;
}

result<certificate_chain> parse_x5c(const cbor_item_t* x5c) {
  if (x5c == nullptr || !cbor_isa_array(x5c) || !cbor_array_is_definite(x5c) ||
      cbor_array_size(x5c) == 0)
    return errc::attestation_statement_malformed;
  certificate_chain chain;
  cbor_item_t** items = cbor_array_handle(x5c);
  for (std::size_t i = 0; i < cbor_array_size(x5c); ++i) {
    const auto der = cbor_bytes(items[i]);
    if (!der)
      return errc::attestation_statement_malformed;
    common::ossl::x509 cert = parse_certificate_der(*der);
    if (!cert || X509_get0_pubkey(cert.get()) == nullptr) {
      ERR_clear_error();
      return errc::attestation_certificate_malformed;
    }
    chain.parsed.push_back(std::move(cert));
    chain.der.emplace_back(der->begin(), der->end());
  }
  return chain;
}

bool key_matches_algorithm(cose_algorithm alg, EVP_PKEY* key) noexcept {
  if (key == nullptr)
    return false;
  const int id = EVP_PKEY_get_base_id(key);
  switch (alg) {
    case cose_algorithm::es256:
      return has_group(key, SN_X9_62_prime256v1);
    case cose_algorithm::es384:
      return has_group(key, SN_secp384r1);
    case cose_algorithm::es512:
      return has_group(key, SN_secp521r1);
    case cose_algorithm::eddsa:
      return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448;
    case cose_algorithm::ed25519:
      return id == EVP_PKEY_ED25519;
    case cose_algorithm::ed448:
      return id == EVP_PKEY_ED448;
    case cose_algorithm::rs256:
    case cose_algorithm::ps256:
      return id == EVP_PKEY_RSA;
  }
  return false;
}

bool is_p256_key(EVP_PKEY* key) noexcept {
  return key != nullptr && has_group(key, SN_X9_62_prime256v1);
}

result<void> verify_attestation_signature(cose_algorithm alg, EVP_PKEY* key,
                                          common::byte_view message,
                                          common::byte_view signature) {
  if (!key_matches_algorithm(alg, key))
    return errc::attestation_algorithm_mismatch;
  const auto verified = verify_signature(alg, key, message, signature);
  if (verified)
    return {};
  if (verified.error() == errc::cose_key_parameters_mismatch)
    return errc::attestation_algorithm_mismatch;
  return errc::attestation_signature_invalid;
}

bool same_public_key(EVP_PKEY* a, EVP_PKEY* b) noexcept {
  if (a == nullptr || b == nullptr)
    return false;
  const bool same = EVP_PKEY_eq(a, b) == 1;
  ERR_clear_error();
  return same;
}

std::optional<common::byte_view> unique_extension_value(X509* cert,
                                                        const char* oid) {
  const asn1_object object(OBJ_txt2obj(oid, 1));
  if (!object) {
    ERR_clear_error();
    return std::nullopt;
  }
  const int index = X509_get_ext_by_OBJ(cert, object.get(), -1);
  if (index < 0 || X509_get_ext_by_OBJ(cert, object.get(), index) >= 0)
    return std::nullopt;
  const ASN1_OCTET_STRING* value =
      X509_EXTENSION_get_data(X509_get_ext(cert, index));
  return common::byte_view(ASN1_STRING_get0_data(value),
                           static_cast<std::size_t>(ASN1_STRING_length(value)));
}

result<void> check_aaguid_extension(X509* cert, const aaguid& expected) {
  const asn1_object oid(OBJ_txt2obj(kAaguidOid, 1));
  if (!oid)
    return errc::attestation_certificate_requirements;
  const int index = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (index < 0)
    return {};
  if (X509_get_ext_by_OBJ(cert, oid.get(), index) >= 0)
    return errc::attestation_certificate_requirements;
  X509_EXTENSION* extension = X509_get_ext(cert, index);
  if (X509_EXTENSION_get_critical(extension) != 0)
    return errc::attestation_certificate_requirements;
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(extension);
  const byte_view content(ASN1_STRING_get0_data(value),
                          static_cast<std::size_t>(ASN1_STRING_length(value)));
  if (content.size() != kAaguidHeader.size() + expected.size() ||
      !std::ranges::equal(content.first(kAaguidHeader.size()), kAaguidHeader))
    return errc::attestation_certificate_requirements;
  if (!std::ranges::equal(content.subspan(kAaguidHeader.size()), expected))
    return errc::attestation_aaguid_mismatch;
  return {};
}

}  // namespace webauthn
