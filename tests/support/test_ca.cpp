#include "tests/support/test_ca.hpp"

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace test_support {
namespace {

using extension = common::ossl::owner<X509_EXTENSION, X509_EXTENSION_free>;
using asn1_object = common::ossl::owner<ASN1_OBJECT, ASN1_OBJECT_free>;
using asn1_octets =
    common::ossl::owner<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;

void require(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("OpenSSL failed: ") + what);
  }
}

void add_name_entry(X509_NAME* name, const char* field,
                    const std::string& value) {
  if (value.empty()) {
    return;
  }
  const auto* data = reinterpret_cast<const unsigned char*>(value.data());
  require(
      X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, data,
                                 static_cast<int>(value.size()), -1, 0) == 1,
      "X509_NAME_add_entry_by_txt");
}

void set_subject(X509* cert, const cert_options& options) {
  X509_NAME* name = X509_get_subject_name(cert);
  add_name_entry(name, "C", options.country);
  add_name_entry(name, "O", options.organization);
  add_name_entry(name, "OU", options.organizational_unit);
  add_name_entry(name, "CN", options.common_name);
}

// Extensions written from OpenSSL's configuration syntax, which also
// computes key identifiers from `ctx`.
void add_conf_extension(X509* cert, X509V3_CTX* ctx, int nid,
                        const char* value) {
  const extension ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  require(ext != nullptr, value);
  require(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

void add_aaguid_extension(X509* cert, const common::bytes& aaguid,
                          bool critical) {
  common::bytes der = {0x04, static_cast<std::uint8_t>(aaguid.size())};
  der.insert(der.end(), aaguid.begin(), aaguid.end());
  const asn1_object oid(OBJ_txt2obj(aaguid_extension_oid, 1));
  const asn1_octets value(ASN1_OCTET_STRING_new());
  require(oid && value &&
              ASN1_OCTET_STRING_set(value.get(), der.data(),
                                    static_cast<int>(der.size())) == 1,
          "AAGUID extension value");
  const extension ext(X509_EXTENSION_create_by_OBJ(
      nullptr, oid.get(), critical ? 1 : 0, value.get()));
  require(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1,
          "AAGUID extension");
}

void set_serial_and_validity(X509* cert, const cert_options& options) {
  std::uint64_t serial = 0;
  require(
      RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) == 1,
      "RAND_bytes");
  // Positive and non-zero, as RFC 5280 asks of serial numbers.
  serial = (serial >> 1) | 1;
  require(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial) == 1,
          "serial");
  require(ASN1_TIME_set(X509_getm_notBefore(cert),
                        common::to_unix_seconds(options.not_before)) &&
              ASN1_TIME_set(X509_getm_notAfter(cert),
                            common::to_unix_seconds(options.not_after)),
          "validity");
}

void add_extensions(X509* cert, X509* issuer, const cert_options& options) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  if (options.basic_constraints) {
    add_conf_extension(cert, &ctx, NID_basic_constraints,
                       options.is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  }
  if (options.is_ca) {
    add_conf_extension(cert, &ctx, NID_key_usage,
                       "critical,keyCertSign,cRLSign");
  }
  add_conf_extension(cert, &ctx, NID_subject_key_identifier, "hash");
  if (issuer != cert) {
    add_conf_extension(cert, &ctx, NID_authority_key_identifier,
                       "keyid:always");
  }
  if (options.aaguid) {
    add_aaguid_extension(cert, *options.aaguid, options.aaguid_critical);
  }
}

common::bytes to_der(X509* cert) {
  const int length = i2d_X509(cert, nullptr);
  require(length > 0, "i2d_X509");
  common::bytes out(static_cast<std::size_t>(length));
  unsigned char* p = out.data();
  require(i2d_X509(cert, &p) == length, "i2d_X509");
  return out;
}

// Signs `options.key`'s new key into a certificate; a null issuer makes it
// self-signed.
certificate issue(const certificate* issuer, const cert_options& options) {
  certificate out{make_key(options.key), {}};
  const common::ossl::x509 cert(X509_new());
  require(cert != nullptr, "X509_new");
  require(X509_set_version(cert.get(), options.version - 1) == 1, "version");
  set_serial_and_validity(cert.get(), options);
  set_subject(cert.get(), options);
  require(X509_set_pubkey(cert.get(), out.key.pkey.get()) == 1, "pubkey");
  common::ossl::x509 issuer_cert;
  if (issuer != nullptr) {
    issuer_cert = parse_certificate(issuer->der);
    require(issuer_cert != nullptr, "issuer certificate");
  }
  X509* signer_cert = issuer ? issuer_cert.get() : cert.get();
  require(
      X509_set_issuer_name(cert.get(), X509_get_subject_name(signer_cert)) == 1,
      "issuer name");
  add_extensions(cert.get(), signer_cert, options);
  const key_pair& signer = issuer ? issuer->key : out.key;
  const bool pure =
      signer.type == key_type::ed25519 || signer.type == key_type::ed448;
  const EVP_MD* md = options.sha1_signature ? EVP_sha1() : EVP_sha256();
  require(X509_sign(cert.get(), signer.pkey.get(), pure ? nullptr : md) > 0,
          "X509_sign");
  out.der = to_der(cert.get());
  return out;
}

}  // namespace

certificate make_root_ca(const std::string& common_name) {
  cert_options options;
  options.organizational_unit = "Test Roots";
  options.common_name = common_name;
  options.is_ca = true;
  return issue(nullptr, options);
}

const certificate& test_root_ca() {
  static const certificate root = make_root_ca("Latchkey Test Root CA");
  return root;
}

certificate make_attestation_cert(const certificate& issuer,
                                  const cert_options& options) {
  return issue(&issuer, options);
}

certificate make_intermediate_ca(const certificate& issuer,
                                 const std::string& common_name) {
  cert_options options;
  options.organizational_unit = "Test Intermediates";
  options.common_name = common_name;
  options.is_ca = true;
  return issue(&issuer, options);
}

common::bytes make_crl(const certificate& issuer,
                       const std::vector<const certificate*>& revoked,
                       common::time_point this_update,
                       common::time_point next_update) {
  using crl_owner = common::ossl::owner<X509_CRL, X509_CRL_free>;
  using revoked_owner = common::ossl::owner<X509_REVOKED, X509_REVOKED_free>;
  using time_owner = common::ossl::owner<ASN1_TIME, ASN1_TIME_free>;
  const common::ossl::x509 issuer_cert = parse_certificate(issuer.der);
  const crl_owner crl(X509_CRL_new());
  const time_owner last(
      ASN1_TIME_set(nullptr, common::to_unix_seconds(this_update)));
  const time_owner next(
      ASN1_TIME_set(nullptr, common::to_unix_seconds(next_update)));
  require(issuer_cert && crl && last && next, "CRL objects");
  require(X509_CRL_set_version(crl.get(), 1) == 1 &&
              X509_CRL_set_issuer_name(
                  crl.get(), X509_get_subject_name(issuer_cert.get())) == 1 &&
              X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1 &&
              X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1,
          "CRL fields");
  for (const certificate* cert : revoked) {
    const common::ossl::x509 parsed = parse_certificate(cert->der);
    revoked_owner entry(X509_REVOKED_new());
    require(parsed && entry &&
                X509_REVOKED_set_serialNumber(
                    entry.get(), X509_get_serialNumber(parsed.get())) == 1 &&
                X509_REVOKED_set_revocationDate(entry.get(), last.get()) == 1,
            "CRL entry");
    require(X509_CRL_add0_revoked(crl.get(), entry.get()) == 1, "CRL add");
    (void)entry.release();  // the CRL owns it now
  }
  require(X509_CRL_sort(crl.get()) == 1 &&
              X509_CRL_sign(crl.get(), issuer.key.pkey.get(), EVP_sha256()) > 0,
          "X509_CRL_sign");
  const int length = i2d_X509_CRL(crl.get(), nullptr);
  require(length > 0, "i2d_X509_CRL");
  common::bytes out(static_cast<std::size_t>(length));
  unsigned char* p = out.data();
  require(i2d_X509_CRL(crl.get(), &p) == length, "i2d_X509_CRL");
  return out;
}

common::ossl::x509 parse_certificate(common::byte_view der) {
  const unsigned char* p = der.data();
  common::ossl::x509 cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert && p != der.data() + der.size()) {
    cert.reset();
  }
  return cert;
}

}  // namespace test_support
