#include "tests/support/test_ca.hpp"

#include <doctest/doctest.h>
#include <openssl/x509v3.h>

#include "tests/support/soft_authenticator.hpp"

using namespace test_support;

namespace {

std::string subject_entry(X509* cert, int nid) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) {
    return {};
  }
  const ASN1_STRING* value =
      X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
          static_cast<std::size_t>(ASN1_STRING_length(value))};
}

// The DER inside the AAGUID extension's extnValue, or empty.
common::bytes aaguid_extension(X509* cert) {
  const common::ossl::owner<ASN1_OBJECT, ASN1_OBJECT_free> oid(
      OBJ_txt2obj(aaguid_extension_oid, 1));
  const int index = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (index < 0) {
    return {};
  }
  const ASN1_OCTET_STRING* value =
      X509_EXTENSION_get_data(X509_get_ext(cert, index));
  const unsigned char* p = ASN1_STRING_get0_data(value);
  return {p, p + ASN1_STRING_length(value)};
}

bool chains_to(const certificate& root, X509* leaf) {
  const common::ossl::x509 anchor = parse_certificate(root.der);
  const common::ossl::x509_store store(X509_STORE_new());
  const common::ossl::x509_store_ctx ctx(X509_STORE_CTX_new());
  X509_STORE_add_cert(store.get(), anchor.get());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_X509_STRICT);
  X509_STORE_CTX_set_time(ctx.get(), 0, 1735689600);  // 2025-01-01
  return X509_verify_cert(ctx.get()) == 1;
}

}  // namespace

TEST_CASE("the packed x5c leaf meets WebAuthn section 8.2.1") {
  registration_options options;
  options.format = attestation_format::packed_x5c;
  const registration reg = make_registration(options);
  REQUIRE(reg.statement.x5c.size() == 1);
  const common::ossl::x509 leaf = parse_certificate(reg.statement.x5c[0]);
  REQUIRE(leaf != nullptr);
  CHECK(X509_get_version(leaf.get()) == 2);
  CHECK(subject_entry(leaf.get(), NID_countryName) == "US");
  CHECK_FALSE(subject_entry(leaf.get(), NID_organizationName).empty());
  CHECK(subject_entry(leaf.get(), NID_organizationalUnitName) ==
        "Authenticator Attestation");
  CHECK_FALSE(subject_entry(leaf.get(), NID_commonName).empty());
  CHECK((X509_get_extension_flags(leaf.get()) & EXFLAG_BCONS) != 0);
  CHECK(X509_check_ca(leaf.get()) == 0);
  common::bytes want = {0x04, 0x10};
  const common::bytes aaguid = default_aaguid();
  want.insert(want.end(), aaguid.begin(), aaguid.end());
  CHECK(aaguid_extension(leaf.get()) == want);
  CHECK(chains_to(test_root_ca(), leaf.get()));
  CHECK_FALSE(chains_to(make_root_ca("Another Root"), leaf.get()));
}

TEST_CASE("leaf options break each requirement on purpose") {
  cert_options options;
  options.organizational_unit.clear();
  options.is_ca = true;
  options.aaguid = common::bytes(16, 0x11);
  options.version = 1;
  const certificate cert = make_attestation_cert(test_root_ca(), options);
  const common::ossl::x509 leaf = parse_certificate(cert.der);
  REQUIRE(leaf != nullptr);
  CHECK(X509_get_version(leaf.get()) == 0);
  CHECK(subject_entry(leaf.get(), NID_organizationalUnitName).empty());
  CHECK(X509_check_ca(leaf.get()) != 0);
  CHECK(aaguid_extension(leaf.get())[2] == 0x11);

  cert_options no_constraints;
  no_constraints.basic_constraints = false;
  const common::ossl::x509 bare = parse_certificate(
      make_attestation_cert(test_root_ca(), no_constraints).der);
  CHECK((X509_get_extension_flags(bare.get()) & EXFLAG_BCONS) == 0);
  CHECK(aaguid_extension(bare.get()).empty());
}

TEST_CASE("the test root is a CA valid from 2024 to 2054") {
  const common::ossl::x509 root = parse_certificate(test_root_ca().der);
  REQUIRE(root != nullptr);
  CHECK(X509_check_ca(root.get()) != 0);
  CHECK(X509_cmp_time(X509_get0_notBefore(root.get()), nullptr) < 0);
  CHECK(X509_cmp_time(X509_get0_notAfter(root.get()), nullptr) > 0);
}
