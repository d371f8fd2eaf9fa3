// Attestation statements of the tpm, android-key and apple formats for
// the soft authenticator's registrations, issued under the test CA. Each
// knob below is one rule of WebAuthn Level 3 sections 8.3, 8.4 and 8.8, so
// a test can break exactly one and expect its refusal.
//
// attest_*() replaces a registration's statement and attestation object
// for its current client data and authenticator data (it re-encodes both
// first); call it again after changing the registration. Like the rest of
// the soft authenticator, this is independent of Latchkey's verifier: the
// TPM structures and the DER are written here by hand, certificates and
// signatures come from OpenSSL.
//
// Not thread-safe per registration. OpenSSL failures throw
// std::runtime_error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "tests/support/keys.hpp"
#include "tests/support/soft_authenticator.hpp"
#include "tests/support/test_ca.hpp"

namespace test_support {

// How the AIK certificate's SAN directoryName holds the TPM manufacturer,
// model and version: one multi-valued RDN, or one RDN per attribute.
enum class tpm_san_layout { none, one_rdn, rdn_per_attribute };

struct tpm_aik_options {
  key_type key = key_type::es256;
  long version = 3;
  std::string subject_common_name;  // empty: the empty subject required
  tpm_san_layout san = tpm_san_layout::one_rdn;
  bool san_critical = true;
  std::string manufacturer = "id:4C4B5459";
  bool aik_key_purpose = true;  // EKU 2.23.133.8.3
  bool basic_constraints_ca = false;
  std::optional<common::bytes> aaguid{};  // the AAGUID extension's value
};

struct tpm_options {
  tpm_aik_options aik{};
  // 0: the AIK key's own alg. cose_alg::rs1 signs with SHA-1 when the
  // AIK is RSA (with another key, the key's own way: a mismatch test).
  int alg = 0;
  std::uint32_t magic = 0xFF544347;
  std::uint16_t type = 0x8017;
  std::uint16_t name_alg = 0x000B;            // SHA-256
  std::optional<common::bytes> extra_data{};  // nullopt: the right hash
  std::optional<common::bytes> name{};        // nullopt: nameAlg || H(pubArea)
  std::optional<key_pair> pub_area_key{};     // nullopt: the credential key
  common::bytes cert_info_trailing{};         // appended to certInfo
};

struct android_authorizations {
  std::vector<std::int64_t> purposes;
  std::optional<std::int64_t> origin;
  bool all_applications = false;
};

struct android_key_options {
  std::optional<common::bytes> challenge{};  // nullopt: clientDataHash
  android_authorizations software_enforced{};
  android_authorizations tee_enforced{{2}, 0, false};  // SIGN, GENERATED
  bool include_description = true;
  std::optional<key_pair> leaf_key{};  // nullopt: the credential key
};

struct apple_options {
  std::optional<common::bytes> nonce{};  // nullopt: the right nonce
  bool include_extension = true;
  std::optional<key_pair> leaf_key{};  // nullopt: the credential key
};

void attest_tpm(registration& reg, const tpm_options& options = {});
void attest_android_key(registration& reg,
                        const android_key_options& options = {});
void attest_apple(registration& reg, const apple_options& options = {});

// The pieces, for parser tests and seed corpora.
common::bytes encode_tpm_public(const key_pair& key, std::uint16_t name_alg);
common::bytes encode_android_key_description(
    common::byte_view challenge, const android_authorizations& software,
    const android_authorizations& tee);

}  // namespace test_support
