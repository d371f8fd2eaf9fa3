// The two TPM 2.0 structures of a "tpm" attestation statement (WebAuthn
// Level 3 section 8.3; TPM 2.0 Library part 2): pubArea, a TPMT_PUBLIC,
// and certInfo, a TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY. Internal to
// webauthn/: the tpm verifier and its fuzz harness include it.
//
// Both are read with a bounds-checked big-endian reader: every TPM2B size
// is checked against its TPM maximum and against the bytes left, and
// trailing bytes are refused.
//
// Thread-safe; pure functions. Nothing here throws.
#pragma once

#include "common/bytes.hpp"
#include "webauthn/error.hpp"

#include <cstdint>

namespace webauthn {

// TPM_ALG_ID values (part 2, section 6.3) that these structures use.
namespace tpm_alg {
inline constexpr std::uint16_t rsa = 0x0001;
inline constexpr std::uint16_t sha1 = 0x0004;
inline constexpr std::uint16_t sha256 = 0x000B;
inline constexpr std::uint16_t sha384 = 0x000C;
inline constexpr std::uint16_t sha512 = 0x000D;
inline constexpr std::uint16_t null = 0x0010;
inline constexpr std::uint16_t rsaes = 0x0015;
inline constexpr std::uint16_t ecdaa = 0x001A;
inline constexpr std::uint16_t ecc = 0x0023;
}  // namespace tpm_alg

// TPM_ECC_CURVE values (part 2, section 6.4) that WebAuthn keys use.
namespace tpm_curve {
inline constexpr std::uint16_t nist_p256 = 0x0003;
inline constexpr std::uint16_t nist_p384 = 0x0004;
inline constexpr std::uint16_t nist_p521 = 0x0005;
}  // namespace tpm_curve

inline constexpr std::uint32_t kTpmGeneratedValue = 0xFF544347;
inline constexpr std::uint16_t kTpmStAttestCertify = 0x8017;

// TPMT_PUBLIC, with the fields a verifier compares; the symmetric, scheme
// and kdf members of the parameters are read and checked but not kept.
struct tpm_public {
  std::uint16_t type = 0;      // tpm_alg::rsa or tpm_alg::ecc
  std::uint16_t name_alg = 0;  // a SHA-1 or SHA-2 tpm_alg value
  std::uint32_t object_attributes = 0;
  // RSA: the modulus (unique), its declared size, and the exponent, where
  // 0 stands for the default 65537 (part 2, section 12.2.3.5).
  std::uint16_t rsa_key_bits = 0;
  std::uint32_t rsa_exponent = 0;
  common::bytes rsa_modulus;
  // ECC: the curve and the point (unique).
  std::uint16_t ecc_curve = 0;
  common::bytes ecc_x;
  common::bytes ecc_y;
};

// TPMS_ATTEST with its TPMS_CERTIFY_INFO.
struct tpm_attest {
  common::bytes qualified_signer;
  common::bytes extra_data;
  std::uint64_t firmware_version = 0;
  common::bytes attested_name;
  common::bytes attested_qualified_name;
};

// Fails with tpm_pub_area_malformed: a field past the end, a size above
// its TPM maximum, a type other than RSA or ECC, a nameAlg that is not
// SHA-1 or SHA-2, an RSA modulus that is not keyBits long, or bytes after
// the unique field.
result<tpm_public> parse_tpm_public(common::byte_view data);

// Fails with tpm_magic_invalid, tpm_type_invalid (the only attested
// structure read is TPMS_CERTIFY_INFO), or tpm_cert_info_malformed for
// the same reasons as above.
result<tpm_attest> parse_tpm_attest(common::byte_view data);

}  // namespace webauthn
