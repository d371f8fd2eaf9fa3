#include "webauthn/attestation.hpp"
#include "webauthn/attestation_common.hpp"
#include "webauthn/safetynet_jws.hpp"
#include "webauthn/signature.hpp"

#include "common/crypto.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <array>

namespace webauthn {
namespace {

namespace ossl = common::ossl;

constexpr std::array<std::string_view, 2> kMembers = {"ver", "response"};
enum member : std::size_t { kVer, kResponse };

// Google's documentation asks for a fresh response; one minute covers the
// time between the device's request and the RP's check.
constexpr safetynet_freshness kFreshness{};

// A JWS ECDSA signature is r || s, each as long as the curve's order
// (RFC 7518 section 3.4); the signature checks take DER.
std::optional<common::bytes> jws_ecdsa_to_der(common::byte_view raw,
                                              std::size_t half) {
  if (raw.size() != 2 * half)
    return std::nullopt;
  const int size = static_cast<int>(half);
  ossl::bignum r(BN_bin2bn(raw.data(), size, nullptr));
  ossl::bignum s(BN_bin2bn(raw.data() + half, size, nullptr));
  ossl::ecdsa_sig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
    return std::nullopt;
  r.release();  // owned by sig now
  s.release();
  const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0)
    return std::nullopt;
  common::bytes der(static_cast<std::size_t>(length));
  unsigned char* p = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != length)
    return std::nullopt;
  return der;
}

// The JWS algorithms (RFC 7518) that map onto Latchkey's signature checks.
result<void> verify_jws_signature(const safetynet_response& response,
                                  EVP_PKEY* key) {
  const std::string& alg = response.algorithm;
  const auto message = common::as_bytes(response.signing_input);
  if (alg == "RS256" || alg == "PS256") {
    return verify_attestation_signature(
        alg == "RS256" ? cose_algorithm::rs256 : cose_algorithm::ps256, key,
        message, response.signature);
  }
  cose_algorithm algorithm = cose_algorithm::es256;
  std::size_t half = 32;
  if (alg == "ES384") {
    algorithm = cose_algorithm::es384;
    half = 48;
  } else if (alg == "ES512") {
    algorithm = cose_algorithm::es512;
    half = 66;
  } else if (alg != "ES256") {
    return errc::attestation_algorithm_mismatch;
  }
  const auto der = jws_ecdsa_to_der(response.signature, half);
  ERR_clear_error();
  if (!der)
    return errc::attestation_signature_invalid;
  return verify_attestation_signature(algorithm, key, message, *der);
}

result<void> check_payload(const attestation_input& input,
                           const safetynet_response& response) {
  const std::string expected =
      base64_standard_encode(common::sha256(signed_data(input)));
  if (response.nonce != expected)
    return errc::safetynet_nonce_mismatch;
  if (!response.cts_profile_match)
    return errc::safetynet_cts_profile_mismatch;
  return check_safetynet_timestamp(response.timestamp_ms, input.now,
                                   kFreshness);
}

}  // namespace

// WebAuthn Level 3 section 8.5: {ver, response}. The service was retired
// in 2025 (see safetynet_jws.hpp): this judges earlier statements.
result<attestation_result> verify_android_safetynet_attestation(
    const attestation_input& input) {
  std::array<const cbor_item_t*, kMembers.size()> members{};
  if (const auto r = read_statement_members(input.statement, kMembers, members);
      !r)
    return r.error();
  const auto ver = cbor_text(members[kVer]);
  const auto compact = statement_bytes(members[kResponse]);
  if (!ver || ver->empty() || !compact)
    return errc::attestation_statement_malformed;
  if (const auto r = require_credential(input); !r)
    return r.error();

  // The JWS, its certificates, and its signature by the leaf.
  const auto response = parse_safetynet_response(common::as_text(*compact));
  if (!response)
    return response.error();
  std::vector<ossl::x509> certificates;
  for (const common::bytes& der : response->certificates) {
    certificates.push_back(parse_certificate_der(der));
    if (!certificates.back() || !X509_get0_pubkey(certificates.back().get()))
      return errc::attestation_certificate_malformed;
  }
  X509* leaf = certificates.front().get();
  if (const auto r = verify_jws_signature(*response, X509_get0_pubkey(leaf));
      !r)
    return r.error();

  // The leaf is attest.android.com's (no wildcard stands in for it).
  const int host = X509_check_host(leaf, kSafetynetHostname.data(),
                                   kSafetynetHostname.size(),
                                   X509_CHECK_FLAG_NO_WILDCARDS, nullptr);
  ERR_clear_error();
  if (host != 1)
    return errc::safetynet_hostname_mismatch;

  // nonce, ctsProfileMatch and timestampMs.
  if (const auto r = check_payload(input, *response); !r)
    return r.error();
  return attestation_result{attestation_type::basic, response->certificates};
}

}  // namespace webauthn
