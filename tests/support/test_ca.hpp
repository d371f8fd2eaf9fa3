// Certificates for attestation tests, generated in code: a root CA and
// attestation leaves that meet WebAuthn section 8.2.1 by default, with
// options to break each requirement on purpose.
//
// Thread-safe: test_root_ca() is built once, under a static's lock.
// OpenSSL failures throw std::runtime_error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/openssl.hpp"
#include "tests/support/keys.hpp"

namespace test_support {

inline constexpr const char* aaguid_extension_oid = "1.3.6.1.4.1.45724.1.1.4";

// What an attestation certificate holds. The defaults give a leaf that a
// verifier must accept; every field can be set to one it must refuse.
struct cert_options {
  long version = 3;  // as people count: 1, 2 or 3
  // Subject attributes; an empty value leaves the attribute out.
  std::string country = "US";
  std::string organization = "Latchkey Test Authenticators";
  std::string organizational_unit = "Authenticator Attestation";
  std::string common_name = "Latchkey Soft Authenticator";
  bool basic_constraints = true;  // write the extension at all
  bool is_ca = false;
  // The AAGUID extension, DER OCTET STRING inside the extension value.
  std::optional<common::bytes> aaguid{};
  bool aaguid_critical = false;
  key_type key = key_type::es256;
  common::time_point not_before = common::from_unix_seconds(1704067200);
  common::time_point not_after = common::from_unix_seconds(2650838400);
  // Sign with SHA-1 instead of SHA-256 (not for Ed25519/Ed448 issuers).
  bool sha1_signature = false;
};

struct certificate {
  key_pair key;
  common::bytes der;
};

// The process's test root: P-256, self-signed, CA:TRUE, valid 2024-01-01
// to 2054-01-01. Verifiers under test take its DER as their trust anchor.
const certificate& test_root_ca();

// Another self-signed root, for "chains to an unknown root" tests.
certificate make_root_ca(const std::string& common_name);

// A certificate for `options.key`'s fresh key, signed by `issuer`.
certificate make_attestation_cert(const certificate& issuer,
                                  const cert_options& options = {});

// A CA certificate (CA:TRUE, keyCertSign and cRLSign) under `issuer`.
certificate make_intermediate_ca(const certificate& issuer,
                                 const std::string& common_name);

// A DER CRL signed by `issuer` that lists the serial numbers of `revoked`,
// current from 2024-01-01 to 2054-01-01 unless told otherwise.
common::bytes make_crl(
    const certificate& issuer, const std::vector<const certificate*>& revoked,
    common::time_point this_update = common::from_unix_seconds(1704067200),
    common::time_point next_update = common::from_unix_seconds(2650838400));

// Parses DER; null when it does not parse.
common::ossl::x509 parse_certificate(common::byte_view der);

}  // namespace test_support
