// Key pairs for every COSE algorithm Latchkey accepts, their COSE_Key and
// SubjectPublicKeyInfo encodings, and signatures made the way WebAuthn
// authenticators make them (ECDSA in DER, Ed25519/Ed448 pure, RSA PKCS#1
// v1.5 or PSS with SHA-256).
//
// Thread-safe: key generation may run on any thread; RSA keys come from a
// per-process cache because generating them is slow. Failures of OpenSSL
// throw std::runtime_error: this is test code, and a broken library should
// stop the test loudly.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string_view>

#include "common/bytes.hpp"

namespace test_support {

enum class key_type { es256, es384, es512, ed25519, ed448, rs256, ps256 };

// All key types, for tests that loop over them.
inline constexpr key_type all_key_types[] = {
    key_type::es256, key_type::es384, key_type::es512, key_type::ed25519,
    key_type::ed448, key_type::rs256, key_type::ps256};

// COSE algorithm identifiers (IANA "COSE Algorithms").
namespace cose_alg {
inline constexpr int es256 = -7;
inline constexpr int eddsa = -8;
inline constexpr int es384 = -35;
inline constexpr int es512 = -36;
inline constexpr int ps256 = -37;
inline constexpr int ed448 = -53;  // the fully specified Ed448 identifier
inline constexpr int rs256 = -257;
inline constexpr int rs1 = -65535;
}  // namespace cose_alg

// The alg a COSE_Key of this type carries by default. Ed448 uses EdDSA
// (-8), as WebAuthn Level 3 registers it.
int default_alg(key_type type) noexcept;
std::string_view name_of(key_type type) noexcept;

// The fields of a COSE_Key (RFC 9052 section 7, RFC 8230), so a test can
// change one and encode the rest unchanged.
struct cose_key {
  int kty = 0;             // 1 OKP, 2 EC2, 3 RSA
  std::optional<int> alg;  // label 3; omitted when empty
  std::optional<int> crv;  // label -1 for OKP and EC2
  common::bytes x;         // label -2 (EC2, OKP)
  common::bytes y;         // label -3 (EC2)
  common::bytes n;         // label -1 (RSA)
  common::bytes e;         // label -2 (RSA)

  // CTAP2 canonical order: 1, 3, -1, -2, -3.
  common::bytes encode() const;
};

using shared_pkey = std::shared_ptr<EVP_PKEY>;
shared_pkey share(EVP_PKEY* owned);

// A key pair with the algorithm it is announced under. Copies share the
// same immutable EVP_PKEY.
struct key_pair {
  key_type type = key_type::es256;
  int alg = cose_alg::es256;  // what cose() writes; signing follows `type`
  shared_pkey pkey;

  cose_key cose() const;
  common::bytes cose_bytes() const { return cose().encode(); }
  // DER SubjectPublicKeyInfo, as toJSON() reports it in `publicKey`.
  common::bytes spki_der() const;
  // EC keys: 0x04 || x || y; OKP keys: the raw key; RSA keys: empty.
  common::bytes public_point() const;
  // A signature over `message` in the form WebAuthn uses for `type`.
  common::bytes sign(common::byte_view message) const;
};

// A fresh key of `type`; RSA keys are drawn from a small per-process pool.
key_pair make_key(key_type type);
// An RSA key of `bits` bits (cached like the others), for tests of keys
// that are too short.
key_pair make_rsa_key(key_type type, int bits);

common::bytes sha256(common::byte_view data);

}  // namespace test_support
