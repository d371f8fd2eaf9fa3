#include "webauthn/attestation.hpp"
#include "webauthn/attestation_common.hpp"
#include "webauthn/signature.hpp"
#include "webauthn/tpm_structures.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <string>

namespace webauthn {
namespace {

namespace ossl = common::ossl;

constexpr std::array<std::string_view, 6> kMembers = {
    "ver", "alg", "x5c", "sig", "certInfo", "pubArea"};
enum member : std::size_t { kVer, kAlg, kX5c, kSig, kCertInfo, kPubArea };

constexpr std::string_view kVersion = "2.0";
constexpr std::uint32_t kDefaultRsaExponent = 65537;

// TCG OIDs of the AIK certificate (TPM 2.0 EK credential profile 3.2.9,
// and tcg-kp-AIKCertificate).
constexpr const char* kTpmManufacturerOid = "2.23.133.2.1";
constexpr const char* kTpmModelOid = "2.23.133.2.2";
constexpr const char* kTpmVersionOid = "2.23.133.2.3";
constexpr const char* kAikKeyPurposeOid = "2.23.133.8.3";

using asn1_object = ossl::owner<ASN1_OBJECT, ASN1_OBJECT_free>;
using general_names = ossl::owner<GENERAL_NAMES, GENERAL_NAMES_free>;
using key_usages = ossl::owner<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>;
using basic_constraints =
    ossl::owner<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>;

struct openssl_free {
  void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); }
};
using utf8_text = std::unique_ptr<unsigned char, openssl_free>;

// The hash that `alg` employs, for extraData (section 8.3: "the hash
// algorithm employed in alg"); null for an algorithm a TPM cannot use.
const EVP_MD* hash_of_algorithm(std::int64_t alg) noexcept {
  switch (alg) {
    case kCoseAlgorithmRs1:
      return EVP_sha1();
    case static_cast<std::int64_t>(cose_algorithm::es256):
    case static_cast<std::int64_t>(cose_algorithm::rs256):
    case static_cast<std::int64_t>(cose_algorithm::ps256):
      return EVP_sha256();
    case static_cast<std::int64_t>(cose_algorithm::es384):
      return EVP_sha384();
    case static_cast<std::int64_t>(cose_algorithm::es512):
      return EVP_sha512();
    default:
      return nullptr;
  }
}

const EVP_MD* hash_of_name_alg(std::uint16_t alg) noexcept {
  switch (alg) {
    case tpm_alg::sha1:
      return EVP_sha1();
    case tpm_alg::sha256:
      return EVP_sha256();
    case tpm_alg::sha384:
      return EVP_sha384();
    default:
      return EVP_sha512();  // the parser lets no other value through
  }
}

common::bytes digest(const EVP_MD* md, common::byte_view data) {
  common::bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) !=
      1) {
    ERR_clear_error();
    return {};
  }
  out.resize(length);
  return out;
}

// Whether the big-endian `value` equals the key parameter `name`.
bool param_equals(EVP_PKEY* key, const char* name, common::byte_view value) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    ERR_clear_error();
    return false;
  }
  const ossl::bignum expected(raw);
  const ossl::bignum given(
      BN_bin2bn(value.data(), static_cast<int>(value.size()), nullptr));
  return given && BN_cmp(expected.get(), given.get()) == 0;
}

bool rsa_matches(const tpm_public& area, EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
    return false;
  const std::uint32_t exponent =
      area.rsa_exponent == 0 ? kDefaultRsaExponent : area.rsa_exponent;
  const std::array<std::uint8_t, 4> e = {
      static_cast<std::uint8_t>(exponent >> 24),
      static_cast<std::uint8_t>(exponent >> 16),
      static_cast<std::uint8_t>(exponent >> 8),
      static_cast<std::uint8_t>(exponent)};
  return param_equals(key, OSSL_PKEY_PARAM_RSA_N, area.rsa_modulus) &&
         param_equals(key, OSSL_PKEY_PARAM_RSA_E, e);
}

bool ecc_matches(const tpm_public& area, EVP_PKEY* key) {
  std::size_t size = 0;
  cose_algorithm curve_alg = cose_algorithm::es256;
  if (area.ecc_curve == tpm_curve::nist_p256) {
    size = 32;
  } else if (area.ecc_curve == tpm_curve::nist_p384) {
    size = 48;
    curve_alg = cose_algorithm::es384;
  } else if (area.ecc_curve == tpm_curve::nist_p521) {
    size = 66;
    curve_alg = cose_algorithm::es512;
  }
  return size != 0 && area.ecc_x.size() == size && area.ecc_y.size() == size &&
         key_matches_algorithm(curve_alg, key) &&
         param_equals(key, OSSL_PKEY_PARAM_EC_PUB_X, area.ecc_x) &&
         param_equals(key, OSSL_PKEY_PARAM_EC_PUB_Y, area.ecc_y);
}

// certInfo's attested name must be nameAlg || H_nameAlg(pubArea), the
// Name of the object (TPM 2.0 part 1, section 16).
bool name_matches(const tpm_public& area, common::byte_view pub_area,
                  const tpm_attest& info) {
  common::bytes name = {static_cast<std::uint8_t>(area.name_alg >> 8),
                        static_cast<std::uint8_t>(area.name_alg)};
  const common::bytes hash = digest(hash_of_name_alg(area.name_alg), pub_area);
  name.insert(name.end(), hash.begin(), hash.end());
  return !hash.empty() && info.attested_name == name;
}

// The AIK signs certInfo with alg; RS1 is allowed here and nowhere else.
result<void> verify_cert_info_signature(std::int64_t alg, EVP_PKEY* aik,
                                        common::byte_view cert_info,
                                        common::byte_view sig) {
  if (alg == kCoseAlgorithmRs1) {
    const auto verified = verify_rs1_signature(aik, cert_info, sig);
    if (verified)
      return {};
    return verified.error() == errc::cose_key_parameters_mismatch
               ? errc::attestation_algorithm_mismatch
               : errc::attestation_signature_invalid;
  }
  const auto algorithm = to_cose_algorithm(alg);
  if (!algorithm)
    return errc::attestation_algorithm_mismatch;
  return verify_attestation_signature(*algorithm, aik, cert_info, sig);
}

// The single value of `oid` in `name` as UTF-8, with the index of its RDN;
// empty when absent, repeated or not text.
std::string attribute_text(const X509_NAME* name, const char* oid, int& rdn) {
  const asn1_object object(OBJ_txt2obj(oid, 1));
  const int index =
      object ? X509_NAME_get_index_by_OBJ(name, object.get(), -1) : -1;
  if (index < 0 || X509_NAME_get_index_by_OBJ(name, object.get(), index) >= 0)
    return {};
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
  rdn = X509_NAME_ENTRY_set(entry);
  unsigned char* raw = nullptr;
  const int length = ASN1_STRING_to_UTF8(&raw, X509_NAME_ENTRY_get_data(entry));
  const utf8_text owned(raw);
  if (length <= 0)
    return {};
  return std::string(reinterpret_cast<const char*>(raw),
                     static_cast<std::size_t>(length));
}

// tcg-at-tpmManufacturer is "id:" and a four-byte vendor id in hex. The
// TCG vendor registry is not enforced: test TPMs use unlisted ids.
bool is_vendor_id(std::string_view text) noexcept {
  return text.size() == 11 && text.starts_with("id:") &&
         std::all_of(text.begin() + 3, text.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

// The directoryName holds exactly the manufacturer, model and version:
// either as one multi-valued RDN (the EK profile's layout) or one RDN per
// attribute (as Windows writes them). Both occur in the field.
bool tpm_directory_name_valid(const X509_NAME* name) {
  if (X509_NAME_entry_count(name) != 3)
    return false;
  std::array<int, 3> rdn = {-1, -1, -1};
  const std::string manufacturer =
      attribute_text(name, kTpmManufacturerOid, rdn[0]);
  const std::string model = attribute_text(name, kTpmModelOid, rdn[1]);
  const std::string version = attribute_text(name, kTpmVersionOid, rdn[2]);
  ERR_clear_error();
  if (!is_vendor_id(manufacturer) || model.empty() || version.empty())
    return false;
  const bool one_rdn = rdn[0] == rdn[1] && rdn[1] == rdn[2];
  const bool rdn_each =
      rdn[0] != rdn[1] && rdn[1] != rdn[2] && rdn[0] != rdn[2];
  return one_rdn || rdn_each;
}

// A critical SAN (the subject is empty) that is one directoryName.
result<void> check_aik_san(X509* aik) {
  int critical = 0;
  const general_names names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(aik, NID_subject_alt_name, &critical, nullptr)));
  ERR_clear_error();
  if (!names || critical != 1 || sk_GENERAL_NAME_num(names.get()) != 1)
    return errc::tpm_aik_san_invalid;
  const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), 0);
  if (name->type != GEN_DIRNAME ||
      !tpm_directory_name_valid(name->d.directoryName))
    return errc::tpm_aik_san_invalid;
  return {};
}

bool has_aik_key_purpose(X509* aik) {
  const key_usages usages(static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(aik, NID_ext_key_usage, nullptr, nullptr)));
  const asn1_object wanted(OBJ_txt2obj(kAikKeyPurposeOid, 1));
  ERR_clear_error();
  if (!usages || !wanted)
    return false;
  for (int i = 0; i < sk_ASN1_OBJECT_num(usages.get()); ++i) {
    if (OBJ_cmp(sk_ASN1_OBJECT_value(usages.get(), i), wanted.get()) == 0)
      return true;
  }
  return false;
}

// Section 8.3.1: version 3, empty subject, the TPM SAN, the AIK key
// purpose, CA false; and the AAGUID extension when present.
result<void> check_aik_certificate(X509* aik, const aaguid& expected) {
  if (X509_get_version(aik) != X509_VERSION_3)
    return errc::attestation_certificate_requirements;
  if (X509_NAME_entry_count(X509_get_subject_name(aik)) != 0)
    return errc::tpm_aik_subject_not_empty;
  if (const auto r = check_aik_san(aik); !r)
    return r.error();
  if (!has_aik_key_purpose(aik))
    return errc::tpm_aik_eku_missing;
  const basic_constraints constraints(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(aik, NID_basic_constraints, nullptr, nullptr)));
  ERR_clear_error();
  if (!constraints || constraints->ca != 0)
    return errc::attestation_certificate_requirements;
  return check_aaguid_extension(aik, expected);
}

// Section 8.3, "validate that certInfo is valid", after the parser has
// checked magic and type: extraData, then the attested name.
result<void> check_cert_info(const attestation_input& input, std::int64_t alg,
                             const tpm_public& area, byte_view pub_area,
                             const tpm_attest& info) {
  const EVP_MD* md = hash_of_algorithm(alg);
  if (md == nullptr)
    return errc::attestation_algorithm_mismatch;
  const common::bytes expected = digest(md, signed_data(input));
  if (expected.empty() || info.extra_data.size() != expected.size() ||
      CRYPTO_memcmp(expected.data(), info.extra_data.data(), expected.size()) !=
          0)
    return errc::tpm_extra_data_mismatch;
  if (!name_matches(area, pub_area, info))
    return errc::tpm_name_mismatch;
  return {};
}

}  // namespace

// WebAuthn Level 3 section 8.3: {ver, alg, x5c, sig, certInfo, pubArea};
// ecdaaKeyId (ECDAA was withdrawn from the spec) is an unknown member.
result<attestation_result> verify_tpm_attestation(
    const attestation_input& input) {
  std::array<const cbor_item_t*, kMembers.size()> m{};
  if (const auto r = read_statement_members(input.statement, kMembers, m); !r)
    return r.error();
  const auto ver = cbor_text(m[kVer]);
  const auto alg = statement_int(m[kAlg]);
  const auto sig = statement_bytes(m[kSig]);
  const auto cert_info = statement_bytes(m[kCertInfo]);
  const auto pub_area = statement_bytes(m[kPubArea]);
  if (!ver || !alg || !sig || !cert_info || !pub_area)
    return errc::attestation_statement_malformed;
  if (*ver != kVersion)
    return errc::tpm_version_unsupported;
  auto chain = parse_x5c(m[kX5c]);
  if (!chain)
    return chain.error();
  if (const auto r = require_credential(input); !r)
    return r.error();

  // The key in pubArea is the credential key.
  const auto area = parse_tpm_public(*pub_area);
  if (!area)
    return area.error();
  EVP_PKEY* credential = input.credential_key->key.get();
  if (!(area->type == tpm_alg::rsa ? rsa_matches(*area, credential)
                                   : ecc_matches(*area, credential)))
    return errc::tpm_pub_area_key_mismatch;

  // certInfo: magic, type, extraData and name.
  const auto info = parse_tpm_attest(*cert_info);
  if (!info)
    return info.error();
  if (const auto r = check_cert_info(input, *alg, *area, *pub_area, *info); !r)
    return r.error();

  // sig over certInfo by the AIK, whose certificate meets section 8.3.1.
  X509* aik = chain->parsed.front().get();
  if (const auto r = verify_cert_info_signature(*alg, X509_get0_pubkey(aik),
                                                *cert_info, *sig);
      !r)
    return r.error();
  if (const auto r =
          check_aik_certificate(aik, input.auth_data->attested->aaguid);
      !r)
    return r.error();
  return attestation_result{attestation_type::attca, std::move(chain->der)};
}

}  // namespace webauthn
