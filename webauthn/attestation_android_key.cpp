#include "webauthn/android_key_description.hpp"
#include "webauthn/attestation.hpp"
#include "webauthn/attestation_common.hpp"

#include <openssl/crypto.h>

#include <array>

namespace webauthn {
namespace {

constexpr std::array<std::string_view, 3> kMembers = {"alg", "sig", "x5c"};
enum member : std::size_t { kAlg, kSig, kX5c };

// See android_key_scope: the union of both lists, as section 8.4 reads by
// default.
constexpr android_key_scope kScope = android_key_scope::tee_and_software;

// The key description of `leaf`, with the challenge and list rules of
// section 8.4 applied.
result<void> check_key_description(const attestation_input& input, X509* leaf) {
  const auto value = unique_extension_value(leaf, kAndroidKeyDescriptionOid);
  if (!value)
    return errc::android_key_description_malformed;
  const auto description = parse_android_key_description(*value);
  if (!description)
    return description.error();
  const common::bytes& challenge = description->attestation_challenge;
  if (challenge.size() != input.client_data_hash.size() ||
      CRYPTO_memcmp(challenge.data(), input.client_data_hash.data(),
                    challenge.size()) != 0)
    return errc::android_key_challenge_mismatch;
  return check_android_authorizations(*description, kScope);
}

}  // namespace

// WebAuthn Level 3 section 8.4: {alg, sig, x5c}, all required.
result<attestation_result> verify_android_key_attestation(
    const attestation_input& input) {
  std::array<const cbor_item_t*, kMembers.size()> members{};
  if (const auto r = read_statement_members(input.statement, kMembers, members);
      !r)
    return r.error();
  const auto alg = statement_int(members[kAlg]);
  if (!alg)
    return alg.error();
  const auto sig = statement_bytes(members[kSig]);
  if (!sig)
    return sig.error();
  auto chain = parse_x5c(members[kX5c]);
  if (!chain)
    return chain.error();
  if (const auto r = require_credential(input); !r)
    return r.error();

  // sig over authenticatorData || clientDataHash, by the leaf's key.
  const auto algorithm = to_cose_algorithm(*alg);
  if (!algorithm)
    return errc::attestation_algorithm_mismatch;
  X509* leaf = chain->parsed.front().get();
  if (const auto r = verify_attestation_signature(
          *algorithm, X509_get0_pubkey(leaf), signed_data(input), *sig);
      !r)
    return r.error();

  // The leaf certifies the credential key itself.
  if (!same_public_key(X509_get0_pubkey(leaf), input.credential_key->key.get()))
    return errc::attestation_certificate_key_mismatch;

  // The key description: challenge, allApplications, origin, purpose.
  if (const auto r = check_key_description(input, leaf); !r)
    return r.error();
  return attestation_result{attestation_type::basic, std::move(chain->der)};
}

}  // namespace webauthn
