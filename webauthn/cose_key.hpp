// COSE public keys (RFC 9052/9053, RFC 8230) as WebAuthn credentials carry
// them, turned into OpenSSL keys.
//
// Accepted: EC2 keys on P-256, P-384 and P-521 for ES256, ES384 and ES512;
// OKP keys on Ed25519 and Ed448 for EdDSA (and the fully specified Ed25519
// and Ed448 identifiers); RSA keys of 2048 to 8192 bits for RS256 and
// PS256. The key type, algorithm and curve must agree, every coordinate has
// its exact length, an EC point must lie on its curve, and private key
// parameters are refused. Key ids, key_ops and base IVs are ignored; any
// other label is refused.
//
// Thread-safe; pure functions. A cose_key is not shared.
#pragma once

#include "common/bytes.hpp"
#include "common/openssl.hpp"
#include "webauthn/error.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace webauthn {

// COSE algorithm identifiers (IANA "COSE Algorithms").
enum class cose_algorithm : int {
  es256 = -7,
  eddsa = -8,
  ed25519 = -19,
  es384 = -35,
  es512 = -36,
  ps256 = -37,
  ed448 = -53,
  rs256 = -257,
};

enum class cose_key_type : int { okp = 1, ec2 = 2, rsa = 3 };

enum class cose_curve : int {
  p256 = 1,
  p384 = 2,
  p521 = 3,
  ed25519 = 6,
  ed448 = 7,
};

struct cose_key {
  cose_algorithm algorithm = cose_algorithm::es256;
  cose_key_type type = cose_key_type::ec2;
  std::optional<cose_curve> curve;  // absent for RSA
  common::ossl::pkey key;           // never null after parsing
};

// "ES256", "EdDSA", "RS256", ...
std::string_view to_string(cose_algorithm alg) noexcept;

// The algorithm with this COSE identifier; cose_key_algorithm_unsupported
// for identifiers Latchkey does not implement.
result<cose_algorithm> to_cose_algorithm(std::int64_t id);

// Parses one COSE_Key. Fails with
// - the cbor_* errors of cbor_decode,
// - cose_key_malformed: not a map, a required parameter missing or of the
//   wrong CBOR type, an unknown label, or an RSA key OpenSSL refuses,
// - cose_key_algorithm_unsupported: an unknown alg,
// - cose_key_parameters_mismatch: kty, alg and crv do not agree,
// - cose_key_bad_length: a coordinate, modulus or exponent of the wrong
//   length (including leading zero bytes in RSA numbers),
// - cose_key_point_not_on_curve, cose_key_rsa_too_small,
//   cose_key_rsa_bad_exponent, cose_key_private_part.
result<cose_key> parse_cose_key(common::byte_view data);

}  // namespace webauthn
