#include "tests/support/attested_formats.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <functional>
#include <stdexcept>

#include "common/openssl.hpp"
#include "tests/support/cbor.hpp"

namespace test_support {
namespace {

namespace ossl = common::ossl;
using extension = ossl::owner<X509_EXTENSION, X509_EXTENSION_free>;
using asn1_object = ossl::owner<ASN1_OBJECT, ASN1_OBJECT_free>;
using asn1_octets = ossl::owner<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using general_names = ossl::owner<GENERAL_NAMES, GENERAL_NAMES_free>;
using x509_name = ossl::owner<X509_NAME, X509_NAME_free>;

constexpr const char* kKeyDescriptionOid = "1.3.6.1.4.1.11129.2.1.17";
constexpr const char* kAppleNonceOid = "1.2.840.113635.100.8.2";

void require(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("OpenSSL failed: ") + what);
  }
}

void append(common::bytes& out, common::byte_view data) {
  out.insert(out.end(), data.begin(), data.end());
}

void put_be(common::bytes& out, std::uint64_t value, int size) {
  for (int shift = (size - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

// A TPM2B: two-byte size, then the bytes.
void put_sized(common::bytes& out, common::byte_view data) {
  put_be(out, data.size(), 2);
  append(out, data);
}

common::bytes digest(const EVP_MD* md, common::byte_view data) {
  common::bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int length = 0;
  require(EVP_Digest(data.data(), data.size(), out.data(), &length, md,
                     nullptr) == 1,
          "EVP_Digest");
  return out;
}

const EVP_MD* md_for_name_alg(std::uint16_t alg) {
  switch (alg) {
    case 0x0004:
      return EVP_sha1();
    case 0x000C:
      return EVP_sha384();
    case 0x000D:
      return EVP_sha512();
    default:
      return EVP_sha256();
  }
}

const EVP_MD* md_for_cose_alg(int alg) {
  switch (alg) {
    case cose_alg::rs1:
      return EVP_sha1();
    case cose_alg::es384:
      return EVP_sha384();
    case cose_alg::es512:
      return EVP_sha512();
    default:
      return EVP_sha256();
  }
}

// RS1 is RSASSA-PKCS1-v1_5 over SHA-1 with an RSA key; every other alg
// (and RS1 with another key, for mismatch tests) signs as the key does.
common::bytes sign_as(int alg, const key_pair& key, common::byte_view message) {
  if (alg != cose_alg::rs1 || key.type != key_type::rs256) {
    return key.sign(message);
  }
  const ossl::md_ctx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  require(ctx &&
              EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha1(), nullptr,
                                 key.pkey.get()) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1,
          "RS1 init");
  std::size_t size = 0;
  require(EVP_DigestSign(ctx.get(), nullptr, &size, message.data(),
                         message.size()) == 1,
          "RS1 size");
  common::bytes out(size);
  require(EVP_DigestSign(ctx.get(), out.data(), &size, message.data(),
                         message.size()) == 1,
          "RS1 sign");
  out.resize(size);
  return out;
}

// DER, written by hand: a tag, a definite minimal length, the content.
common::bytes der(common::bytes tag, common::byte_view content) {
  common::bytes out = std::move(tag);
  const std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x100) {
    out.insert(out.end(), {0x81, static_cast<std::uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x82, static_cast<std::uint8_t>(n >> 8),
                           static_cast<std::uint8_t>(n)});
  }
  append(out, content);
  return out;
}

common::bytes der_uint(std::uint8_t tag, std::int64_t value) {
  common::bytes content;
  for (int shift = 56; shift >= 0; shift -= 8) {
    const auto b = static_cast<std::uint8_t>(value >> shift);
    if (content.empty() && b == 0 && shift != 0) {
      continue;
    }
    if (content.empty() && (b & 0x80) != 0) {
      content.push_back(0);
    }
    content.push_back(b);
  }
  return der({tag}, content);
}

// [number] EXPLICIT, constructed, in the high-tag form above 30.
common::bytes context_tag(std::uint32_t number) {
  if (number < 31) {
    return {static_cast<std::uint8_t>(0xA0 | number)};
  }
  common::bytes tag = {0xBF};
  common::bytes digits;
  for (std::uint32_t n = number; n != 0; n >>= 7) {
    digits.insert(digits.begin(), static_cast<std::uint8_t>(n & 0x7F));
  }
  for (std::size_t i = 0; i + 1 < digits.size(); ++i) {
    digits[i] |= 0x80;
  }
  append(tag, digits);
  return tag;
}

common::bytes authorization_list(const android_authorizations& list) {
  common::bytes content;
  if (!list.purposes.empty()) {
    common::bytes set;
    for (const std::int64_t purpose : list.purposes) {
      append(set, der_uint(0x02, purpose));
    }
    append(content, der(context_tag(1), der({0x31}, set)));
  }
  if (list.all_applications) {
    append(content, der(context_tag(600), common::bytes{0x05, 0x00}));
  }
  if (list.origin) {
    append(content, der(context_tag(702), der_uint(0x02, *list.origin)));
  }
  return der({0x30}, content);
}

void add_der_extension(X509* cert, const char* oid, common::byte_view value,
                       bool critical) {
  const asn1_object object(OBJ_txt2obj(oid, 1));
  const asn1_octets octets(ASN1_OCTET_STRING_new());
  require(object && octets &&
              ASN1_OCTET_STRING_set(octets.get(), value.data(),
                                    static_cast<int>(value.size())) == 1,
          "extension value");
  const extension ext(X509_EXTENSION_create_by_OBJ(
      nullptr, object.get(), critical ? 1 : 0, octets.get()));
  require(ext && X509_add_ext(cert, ext.get(), -1) == 1, "extension");
}

void add_conf_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  const extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  require(ext && X509_add_ext(cert, ext.get(), -1) == 1, value);
}

void add_tpm_san(X509* cert, const tpm_aik_options& options) {
  const x509_name name(X509_NAME_new());
  require(name != nullptr, "X509_NAME_new");
  const std::pair<const char*, std::string> attributes[] = {
      {"2.23.133.2.1", options.manufacturer},
      {"2.23.133.2.2", "Latchkey soft TPM"},
      {"2.23.133.2.3", "id:00010002"}};
  int set = 0;
  for (const auto& [oid, value] : attributes) {
    const auto* data = reinterpret_cast<const unsigned char*>(value.data());
    require(X509_NAME_add_entry_by_txt(name.get(), oid, MBSTRING_UTF8, data,
                                       static_cast<int>(value.size()), -1,
                                       set) == 1,
            "SAN attribute");
    // -1 adds the next attribute to the same RDN: one multi-valued RDN.
    set = options.san == tpm_san_layout::one_rdn ? -1 : 0;
  }
  GENERAL_NAME* entry = GENERAL_NAME_new();
  require(entry != nullptr, "GENERAL_NAME_new");
  GENERAL_NAME_set0_value(entry, GEN_DIRNAME, X509_NAME_dup(name.get()));
  const general_names names(sk_GENERAL_NAME_new_null());
  require(names && sk_GENERAL_NAME_push(names.get(), entry) > 0, "SAN");
  require(
      X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(),
                        options.san_critical ? 1 : 0, X509V3_ADD_DEFAULT) == 1,
      "SAN extension");
}

// A certificate for `key` under `issuer`, valid 2024 to 2054; `extend`
// adds the extensions.
certificate issue(const certificate& issuer, const key_pair& key, long version,
                  const std::string& common_name,
                  const std::function<void(X509*, X509*)>& extend) {
  const ossl::x509 cert(X509_new());
  const ossl::x509 issuer_cert = parse_certificate(issuer.der);
  require(cert && issuer_cert, "X509_new");
  std::uint64_t serial = 0;
  require(
      RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) == 1,
      "RAND_bytes");
  require(X509_set_version(cert.get(), version - 1) == 1 &&
              ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()),
                                      (serial >> 1) | 1) == 1 &&
              ASN1_TIME_set(X509_getm_notBefore(cert.get()), 1704067200) &&
              ASN1_TIME_set(X509_getm_notAfter(cert.get()), 2650838400) &&
              X509_set_pubkey(cert.get(), key.pkey.get()) == 1 &&
              X509_set_issuer_name(
                  cert.get(), X509_get_subject_name(issuer_cert.get())) == 1,
          "certificate fields");
  if (!common_name.empty()) {
    require(X509_NAME_add_entry_by_txt(
                X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                reinterpret_cast<const unsigned char*>(common_name.data()),
                static_cast<int>(common_name.size()), -1, 0) == 1,
            "subject");
  }
  extend(cert.get(), issuer_cert.get());
  require(X509_sign(cert.get(), issuer.key.pkey.get(), EVP_sha256()) > 0,
          "X509_sign");
  const int length = i2d_X509(cert.get(), nullptr);
  common::bytes out(static_cast<std::size_t>(length));
  unsigned char* p = out.data();
  require(length > 0 && i2d_X509(cert.get(), &p) == length, "i2d_X509");
  return {key, out};
}

certificate make_aik(const tpm_aik_options& options) {
  return issue(
      test_root_ca(), make_key(options.key), options.version,
      options.subject_common_name, [&](X509* cert, X509* issuer) {
        add_conf_extension(cert, issuer, NID_basic_constraints,
                           options.basic_constraints_ca ? "critical,CA:TRUE"
                                                        : "critical,CA:FALSE");
        if (options.aik_key_purpose) {
          add_conf_extension(cert, issuer, NID_ext_key_usage, "2.23.133.8.3");
        }
        if (options.san != tpm_san_layout::none) {
          add_tpm_san(cert, options);
        }
        if (options.aaguid) {
          common::bytes value = {0x04, 0x10};
          append(value, *options.aaguid);
          add_der_extension(cert, aaguid_extension_oid, value, false);
        }
      });
}

// A leaf in the usual attestation form, for `key`, with one extension.
certificate make_leaf(const key_pair& key, const char* oid,
                      std::optional<common::bytes> value) {
  return issue(test_root_ca(), key, 3, "Latchkey soft leaf",
               [&](X509* cert, X509* issuer) {
                 add_conf_extension(cert, issuer, NID_basic_constraints,
                                    "CA:FALSE");
                 if (value) {
                   add_der_extension(cert, oid, *value, false);
                 }
               });
}

common::bytes signed_data(const registration& reg) {
  common::bytes out = reg.auth_data_bytes;
  append(out, reg.client_data_hash());
  return out;
}

void encode_object(registration& reg, cbor::item statement) {
  const auto m = cbor::map(3);
  cbor::put(m, cbor::text("fmt"), cbor::text(reg.statement.fmt));
  cbor::put(m, cbor::text("attStmt"), std::move(statement));
  cbor::put(m, cbor::text("authData"), cbor::byte_string(reg.auth_data_bytes));
  reg.attestation_object = cbor::encode(m);
}

cbor::item x5c_of(const std::vector<common::bytes>& certificates) {
  auto array = cbor::array(certificates.size());
  for (const auto& cert : certificates) {
    cbor::push(array, cbor::byte_string(cert));
  }
  return array;
}

void reset_statement(registration& reg, const char* fmt) {
  reg.encode_client_data();
  reg.encode_auth_data();
  reg.statement = attestation_statement{};
  reg.statement.fmt = fmt;
}

common::bytes encode_cert_info(const tpm_options& options,
                               common::byte_view extra_data,
                               common::byte_view name) {
  common::bytes out;
  put_be(out, options.magic, 4);
  put_be(out, options.type, 2);
  common::bytes signer = {0x00, 0x0B};
  signer.resize(34, 0x5A);
  put_sized(out, signer);
  put_sized(out, extra_data);
  put_be(out, 0x0000000123456789, 8);  // clock
  put_be(out, 7, 4);                   // resetCount
  put_be(out, 3, 4);                   // restartCount
  out.push_back(1);                    // safe
  put_be(out, 0x0001000200030004, 8);  // firmwareVersion
  put_sized(out, name);
  put_sized(out, signer);  // qualifiedName, any valid name
  append(out, options.cert_info_trailing);
  return out;
}

}  // namespace

common::bytes encode_tpm_public(const key_pair& key, std::uint16_t name_alg) {
  const cose_key cose = key.cose();
  common::bytes out;
  const bool rsa = cose.kty == 3;
  put_be(out, rsa ? 0x0001 : 0x0023, 2);
  put_be(out, name_alg, 2);
  put_be(out, 0x00060472, 4);  // objectAttributes as Windows sets them
  put_sized(out, {});          // authPolicy
  put_be(out, 0x0010, 2);      // symmetric: TPM_ALG_NULL
  put_be(out, 0x0010, 2);      // scheme: TPM_ALG_NULL
  if (rsa) {
    put_be(out, cose.n.size() * 8, 2);
    std::uint64_t exponent = 0;
    for (const std::uint8_t b : cose.e) {
      exponent = (exponent << 8) | b;
    }
    put_be(out, exponent, 4);
    put_sized(out, cose.n);
    return out;
  }
  // COSE curves 1, 2, 3 are TPM_ECC_NIST_P256, P384, P521: 3, 4, 5.
  put_be(out, static_cast<std::uint64_t>(cose.crv.value_or(0) + 2), 2);
  put_be(out, 0x0010, 2);  // kdf: TPM_ALG_NULL
  put_sized(out, cose.x);
  put_sized(out, cose.y);
  return out;
}

common::bytes encode_android_key_description(
    common::byte_view challenge, const android_authorizations& software,
    const android_authorizations& tee) {
  common::bytes content;
  append(content, der_uint(0x02, 200));  // attestationVersion
  append(content, der_uint(0x0A, 1));    // attestationSecurityLevel: TEE
  append(content, der_uint(0x02, 200));  // keyMintVersion
  append(content, der_uint(0x0A, 1));    // keyMintSecurityLevel: TEE
  append(content, der({0x04}, challenge));
  append(content, der({0x04}, {}));  // uniqueId
  append(content, authorization_list(software));
  append(content, authorization_list(tee));
  return der({0x30}, content);
}

void attest_tpm(registration& reg, const tpm_options& options) {
  reset_statement(reg, "tpm");
  const certificate aik = make_aik(options.aik);
  const int alg = options.alg != 0 ? options.alg : aik.key.alg;
  const common::bytes pub_area = encode_tpm_public(
      options.pub_area_key.value_or(reg.key), options.name_alg);
  common::bytes name;
  put_be(name, options.name_alg, 2);
  append(name, digest(md_for_name_alg(options.name_alg), pub_area));
  const common::bytes cert_info =
      encode_cert_info(options,
                       options.extra_data.value_or(
                           digest(md_for_cose_alg(alg), signed_data(reg))),
                       options.name.value_or(name));
  reg.statement.alg = alg;
  reg.statement.sig = sign_as(alg, aik.key, cert_info);
  reg.statement.x5c = {aik.der};
  auto m = cbor::map(6);
  cbor::put(m, cbor::text("ver"), cbor::text("2.0"));
  cbor::put(m, cbor::text("alg"), cbor::integer(alg));
  cbor::put(m, cbor::text("x5c"), x5c_of(reg.statement.x5c));
  cbor::put(m, cbor::text("sig"), cbor::byte_string(*reg.statement.sig));
  cbor::put(m, cbor::text("certInfo"), cbor::byte_string(cert_info));
  cbor::put(m, cbor::text("pubArea"), cbor::byte_string(pub_area));
  encode_object(reg, std::move(m));
}

void attest_android_key(registration& reg, const android_key_options& options) {
  reset_statement(reg, "android-key");
  const key_pair leaf_key = options.leaf_key.value_or(reg.key);
  std::optional<common::bytes> description;
  if (options.include_description) {
    description = encode_android_key_description(
        options.challenge.value_or(reg.client_data_hash()),
        options.software_enforced, options.tee_enforced);
  }
  const certificate leaf =
      make_leaf(leaf_key, kKeyDescriptionOid, std::move(description));
  reg.statement.alg = leaf_key.alg;
  reg.statement.sig = leaf_key.sign(signed_data(reg));
  reg.statement.x5c = {leaf.der};
  encode_object(reg, reg.statement.to_cbor());
}

void attest_apple(registration& reg, const apple_options& options) {
  reset_statement(reg, "apple");
  std::optional<common::bytes> value;
  if (options.include_extension) {
    const common::bytes nonce =
        options.nonce.value_or(sha256(signed_data(reg)));
    value = der({0x30}, der(context_tag(1), der({0x04}, nonce)));
  }
  const certificate leaf = make_leaf(options.leaf_key.value_or(reg.key),
                                     kAppleNonceOid, std::move(value));
  reg.statement.x5c = {leaf.der};
  encode_object(reg, reg.statement.to_cbor());
}

}  // namespace test_support
