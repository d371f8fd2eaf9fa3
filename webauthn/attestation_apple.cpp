#include "webauthn/apple_nonce.hpp"
#include "webauthn/attestation.hpp"
#include "webauthn/attestation_common.hpp"
#include "webauthn/der_reader.hpp"

#include "common/crypto.hpp"

#include <openssl/crypto.h>

#include <array>

namespace webauthn {

std::optional<common::byte_view> parse_apple_nonce(
    common::byte_view der) noexcept {
  const auto sequence = der_single(der);
  if (!sequence || !sequence->is(der_class::universal, true, der_tag::sequence))
    return std::nullopt;
  const auto tagged = der_single(sequence->content);
  if (!tagged || !tagged->is(der_class::context, true, 1))
    return std::nullopt;
  const auto nonce = der_single(tagged->content);
  if (!nonce || !nonce->is(der_class::universal, false, der_tag::octet_string))
    return std::nullopt;
  return nonce->content;
}

namespace {

// Section 8.8 defines x5c only. Statements from early iOS 14 releases
// also carry alg (one of the fixtures does); it says nothing the
// certificate does not, so it is accepted when it is an integer and
// otherwise ignored.
constexpr std::array<std::string_view, 2> kMembers = {"x5c", "alg"};
enum member : std::size_t { kX5c, kAlg };

}  // namespace

// WebAuthn Level 3 section 8.8: Apple anonymous attestation.
result<attestation_result> verify_apple_attestation(
    const attestation_input& input) {
  std::array<const cbor_item_t*, kMembers.size()> members{};
  if (const auto r = read_statement_members(input.statement, kMembers, members);
      !r)
    return r.error();
  if (members[kAlg] != nullptr && !statement_int(members[kAlg]))
    return errc::attestation_statement_malformed;
  auto chain = parse_x5c(members[kX5c]);
  if (!chain)
    return chain.error();
  if (const auto r = require_credential(input); !r)
    return r.error();
  X509* leaf = chain->parsed.front().get();

  // nonce = SHA-256(authenticatorData || clientDataHash) is the value of
  // the leaf's nonce extension.
  const common::sha256_digest nonce = common::sha256(signed_data(input));
  const auto value = unique_extension_value(leaf, kAppleNonceOid);
  const auto carried = value ? parse_apple_nonce(*value) : std::nullopt;
  if (!carried)
    return errc::apple_nonce_extension_malformed;
  if (carried->size() != nonce.size() ||
      CRYPTO_memcmp(carried->data(), nonce.data(), nonce.size()) != 0)
    return errc::apple_nonce_mismatch;

  // The leaf certifies the credential key itself.
  if (!same_public_key(X509_get0_pubkey(leaf), input.credential_key->key.get()))
    return errc::attestation_certificate_key_mismatch;
  return attestation_result{attestation_type::anonca, std::move(chain->der)};
}

}  // namespace webauthn
