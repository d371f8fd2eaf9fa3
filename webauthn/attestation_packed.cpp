#include "webauthn/attestation.hpp"
#include "webauthn/attestation_common.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <memory>

namespace webauthn {
namespace {

namespace ossl = common::ossl;

constexpr std::array<std::string_view, 3> kMembers = {"alg", "sig", "x5c"};
enum member : std::size_t { kAlg, kSig, kX5c };

constexpr std::string_view kAttestationUnit = "Authenticator Attestation";

struct openssl_free {
  void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); }
};
using utf8_text = std::unique_ptr<unsigned char, openssl_free>;
using basic_constraints =
    ossl::owner<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>;

// The one value of attribute `nid` in `name`, as UTF-8; empty when the
// attribute is absent, repeated or not convertible, which the callers
// treat as a failed requirement.
std::string single_attribute(const X509_NAME* name, int nid) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0 || X509_NAME_get_index_by_NID(name, nid, index) >= 0)
    return {};
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
  unsigned char* raw = nullptr;
  const int length = ASN1_STRING_to_UTF8(&raw, X509_NAME_ENTRY_get_data(entry));
  const utf8_text owned(raw);
  if (length <= 0) {
    ERR_clear_error();
    return {};
  }
  return std::string(reinterpret_cast<const char*>(raw),
                     static_cast<std::size_t>(length));
}

bool is_country_code(std::string_view text) noexcept {
  return text.size() == 2 &&
         std::ranges::all_of(text, [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Section 8.2.1: C, O, OU and CN, with OU the fixed text.
bool subject_meets_requirements(X509* leaf) {
  const X509_NAME* name = X509_get_subject_name(leaf);
  return is_country_code(single_attribute(name, NID_countryName)) &&
         !single_attribute(name, NID_organizationName).empty() &&
         single_attribute(name, NID_organizationalUnitName) ==
             kAttestationUnit &&
         !single_attribute(name, NID_commonName).empty();
}

// Section 8.2.1 asks for the extension with CA false, so an absent or
// repeated extension fails as well as CA true.
bool not_a_ca(X509* leaf) {
  int critical = 0;
  const basic_constraints constraints(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(leaf, NID_basic_constraints, &critical, nullptr)));
  ERR_clear_error();
  return constraints && constraints->ca == 0;
}

result<void> check_certificate(X509* leaf, const aaguid& expected) {
  if (X509_get_version(leaf) != X509_VERSION_3 ||
      !subject_meets_requirements(leaf) || !not_a_ca(leaf))
    return errc::attestation_certificate_requirements;
  return check_aaguid_extension(leaf, expected);
}

// Self attestation: the credential key signs its own registration.
result<attestation_result> verify_self(const attestation_input& input,
                                       std::int64_t alg, byte_view sig) {
  const cose_key& key = *input.credential_key;
  if (alg != static_cast<std::int64_t>(key.algorithm))
    return errc::attestation_algorithm_mismatch;
  const auto verified = verify_attestation_signature(
      key.algorithm, key.key.get(), signed_data(input), sig);
  if (!verified)
    return verified.error();
  return attestation_result{attestation_type::self, {}};
}

// The leaf of x5c signs; the path goes to the trust step. Without metadata
// a basic attestation cannot be told from one by an attestation CA
// (attca): both are a certificate chain, so this reports basic.
result<attestation_result> verify_x5c(const attestation_input& input,
                                      std::int64_t alg, byte_view sig,
                                      const cbor_item_t* x5c) {
  const auto algorithm = to_cose_algorithm(alg);
  if (!algorithm)
    return errc::attestation_algorithm_mismatch;
  auto chain = parse_x5c(x5c);
  if (!chain)
    return chain.error();
  X509* leaf = chain->parsed.front().get();
  const auto verified = verify_attestation_signature(
      *algorithm, X509_get0_pubkey(leaf), signed_data(input), sig);
  if (!verified)
    return verified.error();
  const auto checked =
      check_certificate(leaf, input.auth_data->attested->aaguid);
  if (!checked)
    return checked.error();
  return attestation_result{attestation_type::basic, std::move(chain->der)};
}

}  // namespace

// WebAuthn Level 3 section 8.2: {alg, sig, x5c?}, nothing else.
result<attestation_result> verify_packed_attestation(
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
  if (const auto r = require_credential(input); !r)
    return r.error();
  if (members[kX5c] == nullptr)
    return verify_self(input, *alg, *sig);
  return verify_x5c(input, *alg, *sig, members[kX5c]);
}

}  // namespace webauthn
