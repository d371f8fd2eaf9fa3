// The none, packed and fido-u2f verifiers against statements from the soft
// authenticator: each valid form, then one mutation per refusal.
#include "webauthn/attestation.hpp"

#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cose_key.hpp"

#include "tests/support/cbor.hpp"
#include "tests/support/soft_authenticator.hpp"
#include "tests/support/test_ca.hpp"

#include <doctest/doctest.h>

#include <algorithm>

namespace ts = test_support;
using common::bytes;
using webauthn::attestation_result;
using webauthn::attestation_type;
using webauthn::errc;

namespace {

using verdict = webauthn::result<attestation_result>;

// Runs the verifier that the object's fmt selects, the way registration
// does: parse the object, its authenticator data and credential key.
verdict verify_object(const bytes& attestation_object,
                      const bytes& client_data_hash) {
  const auto object = webauthn::parse_attestation_object(attestation_object);
  REQUIRE(object.has_value());
  const auto data = webauthn::parse_authenticator_data(object->auth_data);
  REQUIRE(data.has_value());
  REQUIRE(data->attested.has_value());
  const auto key = webauthn::parse_cose_key(data->attested->public_key);
  REQUIRE(key.has_value());
  const auto verifier = webauthn::find_attestation_verifier(object->fmt);
  if (!verifier)
    return verifier.error();
  webauthn::attestation_input input{object->statement.get(), &*data, &*key, {}};
  REQUIRE(client_data_hash.size() == input.client_data_hash.size());
  std::ranges::copy(client_data_hash, input.client_data_hash.begin());
  return (*verifier)(input);
}

verdict verify(const ts::registration& reg) {
  return verify_object(reg.attestation_object, reg.client_data_hash());
}

// The registration's object with `fmt` and `statement` in place of its own,
// for statements the soft authenticator cannot express.
verdict verify_with(const ts::registration& reg, const std::string& fmt,
                    ts::cbor::item statement) {
  const auto object = ts::cbor::map(3);
  ts::cbor::put(object, ts::cbor::text("fmt"), ts::cbor::text(fmt));
  ts::cbor::put(object, ts::cbor::text("attStmt"), std::move(statement));
  ts::cbor::put(object, ts::cbor::text("authData"),
                ts::cbor::byte_string(reg.auth_data_bytes));
  return verify_object(ts::cbor::encode(object), reg.client_data_hash());
}

errc error_of(const verdict& v) {
  REQUIRE(v.has_error());
  REQUIRE(v.error().category() == webauthn::webauthn_category());
  return static_cast<errc>(v.error().value());
}

ts::registration make(ts::attestation_format format,
                      ts::registration_options options = {}) {
  options.format = format;
  return ts::make_registration(options);
}

ts::registration packed_x5c(const ts::cert_options& cert) {
  ts::registration_options options;
  options.attestation_cert = cert;
  return make(ts::attestation_format::packed_x5c, options);
}

// Changes the last byte of the signature; a DER ECDSA signature stays
// well-formed, so the check that fails is the signature itself.
void break_signature(ts::registration& reg) {
  REQUIRE(reg.statement.sig);
  reg.statement.sig->back() ^= 0x01;
  reg.encode_attestation_object();
}

ts::cbor::item certificates(const std::vector<bytes>& ders) {
  auto array = ts::cbor::array(ders.size());
  for (const bytes& der : ders)
    ts::cbor::push(array, ts::cbor::byte_string(der));
  return array;
}

}  // namespace

TEST_CASE("attestation_types_have_their_spec_names") {
  CHECK(webauthn::to_string(attestation_type::none) == "none");
  CHECK(webauthn::to_string(attestation_type::self) == "self");
  CHECK(webauthn::to_string(attestation_type::basic) == "basic");
  CHECK(webauthn::to_string(attestation_type::attca) == "attca");
  CHECK(webauthn::to_string(attestation_type::anonca) == "anonca");
}

TEST_CASE("each_known_format_has_its_verifier") {
  const struct {
    const char* fmt;
    webauthn::attestation_verifier verifier;
  } formats[] = {{"none", webauthn::verify_none_attestation},
                 {"packed", webauthn::verify_packed_attestation},
                 {"fido-u2f", webauthn::verify_fido_u2f_attestation}};
  for (const auto& format : formats) {
    CAPTURE(format.fmt);
    const auto found = webauthn::find_attestation_verifier(format.fmt);
    REQUIRE(found.has_value());
    CHECK((*found == format.verifier));
  }
}

TEST_CASE("unknown_format_is_unsupported") {
  for (const char* fmt : {"", "Packed", "tpm-x", "fido-u2f ", "unknown"}) {
    CAPTURE(fmt);
    const auto found = webauthn::find_attestation_verifier(fmt);
    REQUIRE(found.has_error());
    CHECK(found.error() == errc::attestation_format_unsupported);
  }
  auto reg = make(ts::attestation_format::none);
  reg.statement.fmt = "unknown-format";
  reg.encode_attestation_object();
  CHECK(error_of(verify(reg)) == errc::attestation_format_unsupported);
}

// none ---------------------------------------------------------------------

TEST_CASE("valid_none_statement_is_type_none_without_certificates") {
  for (const ts::key_type key : ts::all_key_types) {
    CAPTURE(ts::name_of(key));
    ts::registration_options options;
    options.key = key;
    const auto result = verify(make(ts::attestation_format::none, options));
    REQUIRE(result.has_value());
    CHECK(result->type == attestation_type::none);
    CHECK(result->certificates.empty());
  }
}

TEST_CASE("none_with_a_non_empty_statement_is_malformed") {
  const auto reg = make(ts::attestation_format::packed_self);
  CHECK(error_of(verify_with(reg, "none", reg.statement.to_cbor())) ==
        errc::attestation_statement_malformed);
}

// packed, self -------------------------------------------------------------

TEST_CASE("valid_packed_self_for_every_key_type_is_type_self") {
  for (const ts::key_type key : ts::all_key_types) {
    CAPTURE(ts::name_of(key));
    ts::registration_options options;
    options.key = key;
    const auto result =
        verify(make(ts::attestation_format::packed_self, options));
    REQUIRE(result.has_value());
    CHECK(result->type == attestation_type::self);
    CHECK(result->certificates.empty());
  }
}

TEST_CASE("packed_self_with_alg_of_another_key_is_refused") {
  auto reg = make(ts::attestation_format::packed_self);
  for (const int alg : {ts::cose_alg::es384, ts::cose_alg::eddsa,
                        ts::cose_alg::rs256, ts::cose_alg::rs1, 0}) {
    CAPTURE(alg);
    reg.statement.alg = alg;
    reg.rebuild();
    CHECK(error_of(verify(reg)) == errc::attestation_algorithm_mismatch);
  }
}

TEST_CASE("packed_self_with_a_bad_signature_is_refused") {
  for (const ts::key_type key : ts::all_key_types) {
    CAPTURE(ts::name_of(key));
    ts::registration_options options;
    options.key = key;
    auto reg = make(ts::attestation_format::packed_self, options);
    break_signature(reg);
    CHECK(error_of(verify(reg)) == errc::attestation_signature_invalid);
  }
}

TEST_CASE("packed_self_signature_over_other_client_data_is_refused") {
  auto reg = make(ts::attestation_format::packed_self);
  reg.client.challenge = "c29tZXRoaW5nIGVsc2U";
  reg.rebuild_unsigned();
  CHECK(error_of(verify(reg)) == errc::attestation_signature_invalid);
}

TEST_CASE("packed_with_a_member_besides_alg_sig_x5c_is_malformed") {
  for (const auto format : {ts::attestation_format::packed_self,
                            ts::attestation_format::packed_x5c}) {
    const auto reg = make(format);
    const ts::attestation_statement& st = reg.statement;
    auto statement = ts::cbor::map(st.x5c.empty() ? 3 : 4);
    ts::cbor::put(statement, ts::cbor::text("alg"), ts::cbor::integer(*st.alg));
    ts::cbor::put(statement, ts::cbor::text("sig"),
                  ts::cbor::byte_string(*st.sig));
    if (!st.x5c.empty())
      ts::cbor::put(statement, ts::cbor::text("x5c"), certificates(st.x5c));
    ts::cbor::put(statement, ts::cbor::text("ecdaaKeyId"),
                  ts::cbor::byte_string(bytes(32, 1)));
    CHECK(error_of(verify_with(reg, "packed", std::move(statement))) ==
          errc::attestation_statement_malformed);
  }
}

TEST_CASE("packed_without_sig_or_alg_is_malformed") {
  auto reg = make(ts::attestation_format::packed_x5c);
  SUBCASE("no sig") {
    reg.statement.sig.reset();
  }
  SUBCASE("no alg") {
    reg.statement.alg.reset();
  }
  reg.encode_attestation_object();
  CHECK(error_of(verify(reg)) == errc::attestation_statement_malformed);
}

TEST_CASE("packed_members_of_the_wrong_type_are_malformed") {
  const auto reg = make(ts::attestation_format::packed_x5c);
  auto statement = ts::cbor::map(3);
  SUBCASE("alg as text") {
    ts::cbor::put(statement, ts::cbor::text("alg"), ts::cbor::text("ES256"));
    ts::cbor::put(statement, ts::cbor::text("sig"),
                  ts::cbor::byte_string(*reg.statement.sig));
    ts::cbor::put(statement, ts::cbor::text("x5c"),
                  certificates(reg.statement.x5c));
  }
  SUBCASE("sig as text") {
    ts::cbor::put(statement, ts::cbor::text("alg"),
                  ts::cbor::integer(*reg.statement.alg));
    ts::cbor::put(statement, ts::cbor::text("sig"), ts::cbor::text("sig"));
    ts::cbor::put(statement, ts::cbor::text("x5c"),
                  certificates(reg.statement.x5c));
  }
  SUBCASE("x5c as one byte string") {
    ts::cbor::put(statement, ts::cbor::text("alg"),
                  ts::cbor::integer(*reg.statement.alg));
    ts::cbor::put(statement, ts::cbor::text("sig"),
                  ts::cbor::byte_string(*reg.statement.sig));
    ts::cbor::put(statement, ts::cbor::text("x5c"),
                  ts::cbor::byte_string(reg.statement.x5c.front()));
  }
  CHECK(error_of(verify_with(reg, "packed", std::move(statement))) ==
        errc::attestation_statement_malformed);
}

// packed, x5c --------------------------------------------------------------

TEST_CASE("valid_packed_x5c_for_every_certificate_key_is_basic") {
  for (const ts::key_type key : ts::all_key_types) {
    CAPTURE(ts::name_of(key));
    ts::cert_options cert;
    cert.key = key;
    const auto reg = packed_x5c(cert);
    const auto result = verify(reg);
    REQUIRE(result.has_value());
    CHECK(result->type == attestation_type::basic);
    CHECK(result->certificates == reg.statement.x5c);
  }
}

TEST_CASE("valid_packed_x5c_returns_every_certificate_leaf_first") {
  ts::cert_options ca;
  ca.organizational_unit = "Test Intermediates";
  ca.common_name = "Latchkey Test Intermediate";
  ca.is_ca = true;
  const auto intermediate = ts::make_attestation_cert(ts::test_root_ca(), ca);
  ts::registration_options options;
  options.issuer = &intermediate;
  auto reg = make(ts::attestation_format::packed_x5c, options);
  reg.statement.x5c.push_back(intermediate.der);
  reg.rebuild();
  const auto result = verify(reg);
  REQUIRE(result.has_value());
  REQUIRE(result->certificates.size() == 2);
  CHECK(result->certificates[0] == reg.statement.x5c[0]);
  CHECK(result->certificates[1] == intermediate.der);
}

TEST_CASE("valid_packed_x5c_without_the_aaguid_extension") {
  ts::registration_options options;
  options.aaguid_in_certificate = false;
  const auto result = verify(make(ts::attestation_format::packed_x5c, options));
  REQUIRE(result.has_value());
  CHECK(result->type == attestation_type::basic);
}

TEST_CASE("packed_x5c_alg_that_does_not_fit_the_leaf_key_is_refused") {
  auto reg = make(ts::attestation_format::packed_x5c);  // P-256 leaf
  for (const int alg :
       {ts::cose_alg::es384, ts::cose_alg::es512, ts::cose_alg::eddsa,
        ts::cose_alg::rs256, ts::cose_alg::rs1}) {
    CAPTURE(alg);
    reg.statement.alg = alg;
    reg.encode_attestation_object();
    CHECK(error_of(verify(reg)) == errc::attestation_algorithm_mismatch);
  }
}

TEST_CASE("packed_x5c_with_a_bad_signature_is_refused") {
  for (const ts::key_type key : ts::all_key_types) {
    CAPTURE(ts::name_of(key));
    ts::cert_options cert;
    cert.key = key;
    auto reg = packed_x5c(cert);
    break_signature(reg);
    CHECK(error_of(verify(reg)) == errc::attestation_signature_invalid);
  }
}

TEST_CASE("packed_x5c_signed_by_the_credential_key_is_refused") {
  auto reg = make(ts::attestation_format::packed_x5c);
  reg.statement.signer = reg.key;
  reg.rebuild();
  CHECK(error_of(verify(reg)) == errc::attestation_signature_invalid);
}

TEST_CASE("packed_x5c_leaf_without_the_attestation_ou_is_refused") {
  ts::cert_options cert;
  SUBCASE("absent") {
    cert.organizational_unit = "";
  }
  SUBCASE("other text") {
    cert.organizational_unit = "Authenticators";
  }
  SUBCASE("other case") {
    cert.organizational_unit = "authenticator attestation";
  }
  CHECK(error_of(verify(packed_x5c(cert))) ==
        errc::attestation_certificate_requirements);
}

TEST_CASE("packed_x5c_leaf_without_country_organization_or_cn_is_refused") {
  ts::cert_options cert;
  SUBCASE("no C") {
    cert.country = "";
  }
  SUBCASE("C not an ISO 3166 code") {
    cert.country = "us";
  }
  SUBCASE("no O") {
    cert.organization = "";
  }
  SUBCASE("no CN") {
    cert.common_name = "";
  }
  CHECK(error_of(verify(packed_x5c(cert))) ==
        errc::attestation_certificate_requirements);
}

TEST_CASE("packed_x5c_leaf_that_is_a_ca_is_refused") {
  ts::cert_options cert;
  cert.is_ca = true;
  CHECK(error_of(verify(packed_x5c(cert))) ==
        errc::attestation_certificate_requirements);
}

TEST_CASE("packed_x5c_leaf_without_basic_constraints_is_refused") {
  ts::cert_options cert;
  cert.basic_constraints = false;
  CHECK(error_of(verify(packed_x5c(cert))) ==
        errc::attestation_certificate_requirements);
}

TEST_CASE("packed_x5c_leaf_of_version_1_is_refused") {
  ts::cert_options cert;
  cert.version = 1;
  const auto reg = packed_x5c(cert);
  const auto parsed = ts::parse_certificate(reg.statement.x5c.front());
  REQUIRE(parsed);
  REQUIRE(X509_get_version(parsed.get()) == 0);
  CHECK(error_of(verify(reg)) == errc::attestation_certificate_requirements);
}

TEST_CASE("packed_x5c_aaguid_extension_differing_from_auth_data_is_refused") {
  ts::cert_options cert;
  cert.aaguid = common::to_bytes("another-model-v1");
  CHECK(error_of(verify(packed_x5c(cert))) ==
        errc::attestation_aaguid_mismatch);
}

TEST_CASE("packed_x5c_aaguid_extension_of_the_wrong_shape_is_refused") {
  ts::cert_options cert;
  SUBCASE("shorter") {
    cert.aaguid = bytes(15, 0x41);
  }
  SUBCASE("longer") {
    cert.aaguid = bytes(17, 0x41);
  }
  CHECK(error_of(verify(packed_x5c(cert))) ==
        errc::attestation_certificate_requirements);
}

TEST_CASE("packed_x5c_critical_aaguid_extension_is_refused") {
  ts::cert_options cert;
  cert.aaguid = ts::default_aaguid();
  cert.aaguid_critical = true;
  CHECK(error_of(verify(packed_x5c(cert))) ==
        errc::attestation_certificate_requirements);
}

TEST_CASE("packed_x5c_with_a_certificate_that_is_not_der_is_refused") {
  auto reg = make(ts::attestation_format::packed_x5c);
  SUBCASE("garbage leaf") {
    reg.statement.x5c[0] = bytes{0x30, 0x03, 1, 2};
  }
  SUBCASE("leaf with a trailing byte") {
    reg.statement.x5c[0].push_back(0);
  }
  SUBCASE("truncated leaf") {
    reg.statement.x5c[0].resize(100);
  }
  SUBCASE("garbage intermediate") {
    reg.statement.x5c.push_back(bytes{0x30, 0x00});
  }
  SUBCASE("empty intermediate") {
    reg.statement.x5c.push_back(bytes{});
  }
  reg.encode_attestation_object();
  CHECK(error_of(verify(reg)) == errc::attestation_certificate_malformed);
}

TEST_CASE("packed_x5c_empty_array_is_malformed") {
  const auto reg = make(ts::attestation_format::packed_x5c);
  auto statement = ts::cbor::map(3);
  ts::cbor::put(statement, ts::cbor::text("alg"),
                ts::cbor::integer(*reg.statement.alg));
  ts::cbor::put(statement, ts::cbor::text("sig"),
                ts::cbor::byte_string(*reg.statement.sig));
  ts::cbor::put(statement, ts::cbor::text("x5c"), ts::cbor::array(0));
  CHECK(error_of(verify_with(reg, "packed", std::move(statement))) ==
        errc::attestation_statement_malformed);
}

// fido-u2f -----------------------------------------------------------------

TEST_CASE("valid_fido_u2f_is_basic_with_its_one_certificate") {
  const auto reg = make(ts::attestation_format::fido_u2f);
  const auto result = verify(reg);
  REQUIRE(result.has_value());
  CHECK(result->type == attestation_type::basic);
  REQUIRE(result->certificates.size() == 1);
  CHECK(result->certificates.front() == reg.statement.x5c.front());
}

TEST_CASE("fido_u2f_with_two_certificates_is_malformed") {
  auto reg = make(ts::attestation_format::fido_u2f);
  reg.statement.x5c.push_back(ts::test_root_ca().der);
  reg.encode_attestation_object();
  CHECK(error_of(verify(reg)) == errc::attestation_statement_malformed);
}

TEST_CASE("fido_u2f_with_a_member_besides_sig_and_x5c_is_malformed") {
  auto reg = make(ts::attestation_format::fido_u2f);
  reg.statement.alg = ts::cose_alg::es256;
  reg.encode_attestation_object();
  CHECK(error_of(verify(reg)) == errc::attestation_statement_malformed);
}

TEST_CASE("fido_u2f_without_sig_or_x5c_is_malformed") {
  auto reg = make(ts::attestation_format::fido_u2f);
  SUBCASE("no sig") {
    reg.statement.sig.reset();
  }
  SUBCASE("no x5c") {
    reg.statement.x5c.clear();
  }
  reg.encode_attestation_object();
  CHECK(error_of(verify(reg)) == errc::attestation_statement_malformed);
}

TEST_CASE("fido_u2f_with_a_certificate_that_is_not_der_is_refused") {
  auto reg = make(ts::attestation_format::fido_u2f);
  reg.statement.x5c[0].push_back(0);
  reg.encode_attestation_object();
  CHECK(error_of(verify(reg)) == errc::attestation_certificate_malformed);
}

TEST_CASE("fido_u2f_certificate_key_not_on_p256_is_refused") {
  for (const ts::key_type key : {ts::key_type::es384, ts::key_type::es512,
                                 ts::key_type::ed25519, ts::key_type::rs256}) {
    CAPTURE(ts::name_of(key));
    ts::registration_options options;
    options.attestation_cert.key = key;
    CHECK(error_of(verify(make(ts::attestation_format::fido_u2f, options))) ==
          errc::attestation_key_not_p256);
  }
}

TEST_CASE("fido_u2f_credential_key_not_es256_is_refused") {
  SUBCASE("P-384") {
    ts::registration_options options;
    options.key = ts::key_type::es384;
    CHECK(error_of(verify(make(ts::attestation_format::fido_u2f, options))) ==
          errc::attestation_key_not_p256);
  }
  SUBCASE("Ed25519") {
    // U2F cannot sign over an OKP key, so the statement keeps the
    // signature made for the P-256 key it replaces.
    auto reg = make(ts::attestation_format::fido_u2f);
    reg.key = ts::make_key(ts::key_type::ed25519);
    reg.auth_data.attested->cose_key = reg.key.cose_bytes();
    reg.rebuild_unsigned();
    CHECK(error_of(verify(reg)) == errc::attestation_key_not_p256);
  }
}

TEST_CASE("fido_u2f_with_a_bad_signature_is_refused") {
  auto reg = make(ts::attestation_format::fido_u2f);
  SUBCASE("changed byte") {
    break_signature(reg);
  }
  SUBCASE("signed like packed") {
    reg.statement.sig = reg.statement.signer->sign(reg.auth_data_bytes);
    reg.encode_attestation_object();
  }
  SUBCASE("other credential id") {
    reg.auth_data.attested->credential_id.front() ^= 0x01;
    reg.rebuild_unsigned();
  }
  SUBCASE("not DER") {
    reg.statement.sig = bytes(64, 0x01);
    reg.encode_attestation_object();
  }
  CHECK(error_of(verify(reg)) == errc::attestation_signature_invalid);
}
