// The tpm, android-key, android-safetynet and apple verifiers against
// statements built here and by the soft authenticator: each valid form,
// then one mutation per refusal; and their parsers on malformed input.
#include "webauthn/android_key_description.hpp"
#include "webauthn/attestation.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/der_reader.hpp"
#include "webauthn/safetynet_jws.hpp"
#include "webauthn/tpm_structures.hpp"

#include "common/encoding.hpp"
#include "tests/support/attested_formats.hpp"
#include "tests/support/cbor.hpp"
#include "tests/support/soft_authenticator.hpp"
#include "tests/support/test_ca.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace ts = test_support;
using common::bytes;
using webauthn::attestation_result;
using webauthn::attestation_type;
using webauthn::errc;

namespace {

using verdict = webauthn::result<attestation_result>;

// 2025-06-01, inside every test certificate's validity.
const common::time_point kNow = common::from_unix_seconds(1748736000);

verdict verify_object(const bytes& attestation_object,
                      const bytes& client_data_hash,
                      common::time_point now = kNow) {
  const auto object = webauthn::parse_attestation_object(attestation_object);
  REQUIRE(object.has_value());
  const auto data = webauthn::parse_authenticator_data(object->auth_data);
  REQUIRE(data.has_value());
  REQUIRE(data->attested.has_value());
  const auto key = webauthn::parse_cose_key(data->attested->public_key);
  REQUIRE(key.has_value());
  const auto verifier = webauthn::find_attestation_verifier(object->fmt);
  REQUIRE(verifier.has_value());
  webauthn::attestation_input input{
      object->statement.get(), &*data, &*key, {}, now};
  REQUIRE(client_data_hash.size() == input.client_data_hash.size());
  std::ranges::copy(client_data_hash, input.client_data_hash.begin());
  return (*verifier)(input);
}

verdict verify(const ts::registration& reg, common::time_point now = kNow) {
  return verify_object(reg.attestation_object, reg.client_data_hash(), now);
}

errc error_of(const verdict& v) {
  REQUIRE(v.has_error());
  REQUIRE(v.error().category() == webauthn::webauthn_category());
  return static_cast<errc>(v.error().value());
}

ts::registration credential(ts::key_type key = ts::key_type::es256) {
  ts::registration_options options;
  options.key = key;
  return ts::make_registration(options);
}

// The registration's attestation object with attStmt member `name` set to
// `value`, or removed when `value` is empty.
void set_member(ts::registration& reg, std::string_view name,
                std::optional<ts::cbor::item> value) {
  const auto object = ts::cbor::decode(reg.attestation_object);
  REQUIRE(object.has_value());
  const cbor_item_t* old = ts::cbor::find(object->get(), "attStmt");
  REQUIRE(old != nullptr);
  std::vector<std::pair<std::string, cbor_item_t*>> members;
  for (std::size_t i = 0; i < cbor_map_size(old); ++i) {
    const cbor_pair& pair = cbor_map_handle(old)[i];
    const std::string key(
        reinterpret_cast<const char*>(cbor_string_handle(pair.key)),
        cbor_string_length(pair.key));
    if (key != name)
      members.emplace_back(key, pair.value);
  }
  auto statement = ts::cbor::map(members.size() + (value ? 1 : 0));
  for (const auto& [key, item] : members)
    ts::cbor::put(statement, ts::cbor::text(key),
                  ts::cbor::item(cbor_incref(item)));
  if (value)
    ts::cbor::put(statement, ts::cbor::text(name), std::move(*value));
  const auto m = ts::cbor::map(3);
  ts::cbor::put(m, ts::cbor::text("fmt"), ts::cbor::text(reg.statement.fmt));
  ts::cbor::put(m, ts::cbor::text("attStmt"), std::move(statement));
  ts::cbor::put(m, ts::cbor::text("authData"),
                ts::cbor::byte_string(reg.auth_data_bytes));
  reg.attestation_object = ts::cbor::encode(m);
}

ts::registration tpm(const ts::tpm_options& options = {},
                     ts::key_type key = ts::key_type::es256) {
  auto reg = credential(key);
  ts::attest_tpm(reg, options);
  return reg;
}

ts::registration android_key(const ts::android_key_options& options = {},
                             ts::key_type key = ts::key_type::es256) {
  auto reg = credential(key);
  ts::attest_android_key(reg, options);
  return reg;
}

}  // namespace

TEST_CASE("the four formats are registered under their spec names") {
  const struct {
    const char* fmt;
    webauthn::attestation_verifier verifier;
  } formats[] = {
      {"tpm", webauthn::verify_tpm_attestation},
      {"android-key", webauthn::verify_android_key_attestation},
      {"android-safetynet", webauthn::verify_android_safetynet_attestation},
      {"apple", webauthn::verify_apple_attestation}};
  for (const auto& format : formats) {
    CAPTURE(format.fmt);
    const auto found = webauthn::find_attestation_verifier(format.fmt);
    REQUIRE(found.has_value());
    CHECK((*found == format.verifier));
  }
}

// tpm ----------------------------------------------------------------------

TEST_CASE("valid_tpm_for_rsa_and_ecc_credentials_is_attca") {
  for (const auto key : {ts::key_type::es256, ts::key_type::es384,
                         ts::key_type::es512, ts::key_type::rs256}) {
    CAPTURE(ts::name_of(key));
    const auto result = verify(tpm({}, key));
    REQUIRE(result.has_value());
    CHECK(result->type == attestation_type::attca);
    CHECK(result->certificates.size() == 1);
  }
}

TEST_CASE("valid_tpm_with_an_rsa_aik_signing_rs1_or_rs256") {
  for (const int alg : {ts::cose_alg::rs1, ts::cose_alg::rs256}) {
    CAPTURE(alg);
    ts::tpm_options options;
    options.aik.key = ts::key_type::rs256;
    options.alg = alg;
    CHECK(verify(tpm(options, ts::key_type::rs256)).has_value());
  }
}

TEST_CASE("valid_tpm_with_the_san_in_either_layout_and_any_name_hash") {
  ts::tpm_options options;
  options.aik.san = ts::tpm_san_layout::rdn_per_attribute;
  CHECK(verify(tpm(options)).has_value());
  options.aik.san = ts::tpm_san_layout::one_rdn;
  for (const std::uint16_t name_alg :
       {std::uint16_t{0x0004}, std::uint16_t{0x000C}, std::uint16_t{0x000D}}) {
    options.name_alg = name_alg;
    CHECK(verify(tpm(options)).has_value());
  }
  options.aik.aaguid = ts::default_aaguid();
  CHECK(verify(tpm(options)).has_value());
}

TEST_CASE("tpm_cert_info_mutations_are_refused_by_name") {
  ts::tpm_options options;
  errc expected = errc::ok;
  SUBCASE("magic") {
    options.magic = 0xFF544348;
    expected = errc::tpm_magic_invalid;
  }
  SUBCASE("type") {
    options.type = 0x8018;  // TPM_ST_ATTEST_QUOTE
    expected = errc::tpm_type_invalid;
  }
  SUBCASE("extraData") {
    options.extra_data = bytes(32, 0x11);
    expected = errc::tpm_extra_data_mismatch;
  }
  SUBCASE("extraData hashed with another algorithm") {
    options.extra_data = bytes(20, 0x11);
    expected = errc::tpm_extra_data_mismatch;
  }
  SUBCASE("name") {
    options.name = bytes(34, 0x0B);
    expected = errc::tpm_name_mismatch;
  }
  SUBCASE("pubArea key") {
    options.pub_area_key = ts::make_key(ts::key_type::es256);
    expected = errc::tpm_pub_area_key_mismatch;
  }
  SUBCASE("pubArea key of another type") {
    options.pub_area_key = ts::make_key(ts::key_type::rs256);
    expected = errc::tpm_pub_area_key_mismatch;
  }
  SUBCASE("trailing byte after certInfo") {
    options.cert_info_trailing = {0x00};
    expected = errc::tpm_cert_info_malformed;
  }
  CHECK(error_of(verify(tpm(options))) == expected);
}

TEST_CASE("tpm_aik_certificate_mutations_are_refused_by_name") {
  ts::tpm_options options;
  errc expected = errc::ok;
  SUBCASE("SAN missing") {
    options.aik.san = ts::tpm_san_layout::none;
    expected = errc::tpm_aik_san_invalid;
  }
  SUBCASE("SAN not critical") {
    options.aik.san_critical = false;
    expected = errc::tpm_aik_san_invalid;
  }
  SUBCASE("manufacturer not a vendor id") {
    options.aik.manufacturer = "Latchkey";
    expected = errc::tpm_aik_san_invalid;
  }
  SUBCASE("EKU missing") {
    options.aik.aik_key_purpose = false;
    expected = errc::tpm_aik_eku_missing;
  }
  SUBCASE("subject not empty") {
    options.aik.subject_common_name = "Latchkey AIK";
    expected = errc::tpm_aik_subject_not_empty;
  }
  SUBCASE("CA true") {
    options.aik.basic_constraints_ca = true;
    expected = errc::attestation_certificate_requirements;
  }
  SUBCASE("version 2") {
    options.aik.version = 2;
    expected = errc::attestation_certificate_requirements;
  }
  SUBCASE("AAGUID of another model") {
    options.aik.aaguid = bytes(16, 0x42);
    expected = errc::attestation_aaguid_mismatch;
  }
  CHECK(error_of(verify(tpm(options))) == expected);
}

TEST_CASE("tpm_statement_members_are_judged") {
  auto reg = tpm();
  errc expected = errc::ok;
  SUBCASE("ver other than 2.0") {
    set_member(reg, "ver", ts::cbor::text("1.2"));
    expected = errc::tpm_version_unsupported;
  }
  SUBCASE("ecdaaKeyId") {
    set_member(reg, "ecdaaKeyId", ts::cbor::byte_string(bytes(32, 1)));
    expected = errc::attestation_statement_malformed;
  }
  SUBCASE("certInfo missing") {
    set_member(reg, "certInfo", std::nullopt);
    expected = errc::attestation_statement_malformed;
  }
  SUBCASE("pubArea truncated") {
    set_member(reg, "pubArea", ts::cbor::byte_string(bytes(10, 0)));
    expected = errc::tpm_pub_area_malformed;
  }
  SUBCASE("signature broken") {
    auto sig = *reg.statement.sig;
    sig.back() ^= 1;
    set_member(reg, "sig", ts::cbor::byte_string(sig));
    expected = errc::attestation_signature_invalid;
  }
  SUBCASE("alg of another key type") {
    set_member(reg, "alg", ts::cbor::integer(ts::cose_alg::rs1));
    expected = errc::tpm_extra_data_mismatch;
  }
  SUBCASE("alg without a TPM hash") {
    set_member(reg, "alg", ts::cbor::integer(ts::cose_alg::eddsa));
    expected = errc::attestation_algorithm_mismatch;
  }
  CHECK(error_of(verify(reg)) == expected);
}

TEST_CASE("tpm_rs1_with_an_ec_aik_is_an_algorithm_mismatch") {
  ts::tpm_options options;
  options.alg = ts::cose_alg::rs1;  // extraData is SHA-1, so only the key
  CHECK(error_of(verify(tpm(options))) == errc::attestation_algorithm_mismatch);
}

TEST_CASE("tpm_structures_refuse_every_truncation_and_trailing_bytes") {
  for (const auto key : {ts::key_type::es256, ts::key_type::rs256}) {
    const bytes area = ts::encode_tpm_public(ts::make_key(key), 0x000B);
    REQUIRE(webauthn::parse_tpm_public(area).has_value());
    for (std::size_t n = 0; n < area.size(); ++n) {
      CAPTURE(n);
      CHECK(webauthn::parse_tpm_public({area.data(), n}).error() ==
            errc::tpm_pub_area_malformed);
    }
    bytes longer = area;
    longer.push_back(0);
    CHECK(webauthn::parse_tpm_public(longer).error() ==
          errc::tpm_pub_area_malformed);
    bytes bad_hash = area;
    bad_hash[3] = 0x10;  // nameAlg TPM_ALG_NULL
    CHECK(webauthn::parse_tpm_public(bad_hash).error() ==
          errc::tpm_pub_area_malformed);
    bytes bad_type = area;
    bad_type[1] = 0x25;  // TPM_ALG_SYMCIPHER
    CHECK(webauthn::parse_tpm_public(bad_type).error() ==
          errc::tpm_pub_area_malformed);
  }
  const auto reg = tpm();
  const auto object = ts::cbor::decode(reg.attestation_object);
  const auto info = ts::cbor::bytes_of(
      ts::cbor::find(ts::cbor::find(object->get(), "attStmt"), "certInfo"));
  REQUIRE(info.has_value());
  REQUIRE(webauthn::parse_tpm_attest(*info).has_value());
  for (std::size_t n = 6; n < info->size(); ++n) {
    CAPTURE(n);
    CHECK(webauthn::parse_tpm_attest({info->data(), n}).error() ==
          errc::tpm_cert_info_malformed);
  }
}

// android-key ----------------------------------------------------------

TEST_CASE("valid_android_key_is_basic") {
  for (const auto key :
       {ts::key_type::es256, ts::key_type::rs256, ts::key_type::ed25519}) {
    CAPTURE(ts::name_of(key));
    const auto result = verify(android_key({}, key));
    REQUIRE(result.has_value());
    CHECK(result->type == attestation_type::basic);
    CHECK(result->certificates.size() == 1);
  }
}

TEST_CASE("android_key_software_enforced_lists_count_by_default") {
  ts::android_key_options options;
  options.tee_enforced = {};
  options.software_enforced = {{2}, 0, false};
  CHECK(verify(android_key(options)).has_value());
}

TEST_CASE("android_key_mutations_are_refused_by_name") {
  ts::android_key_options options;
  errc expected = errc::ok;
  SUBCASE("challenge") {
    options.challenge = bytes(32, 0x33);
    expected = errc::android_key_challenge_mismatch;
  }
  SUBCASE("allApplications in teeEnforced") {
    options.tee_enforced.all_applications = true;
    expected = errc::android_key_all_applications_present;
  }
  SUBCASE("allApplications in softwareEnforced") {
    options.software_enforced.all_applications = true;
    expected = errc::android_key_all_applications_present;
  }
  SUBCASE("origin imported") {
    options.tee_enforced.origin = 2;
    expected = errc::android_key_origin_not_generated;
  }
  SUBCASE("origin imported in software, generated in the TEE") {
    options.software_enforced.origin = 2;
    expected = errc::android_key_origin_not_generated;
  }
  SUBCASE("empty authorization lists") {
    options.tee_enforced = {};
    expected = errc::android_key_origin_not_generated;
  }
  SUBCASE("purpose without sign") {
    options.tee_enforced.purposes = {0, 1, 3};
    expected = errc::android_key_purpose_not_sign;
  }
  SUBCASE("leaf key is not the credential key") {
    options.leaf_key = ts::make_key(ts::key_type::es256);
    expected = errc::attestation_certificate_key_mismatch;
  }
  SUBCASE("no key description") {
    options.include_description = false;
    expected = errc::android_key_description_malformed;
  }
  CHECK(error_of(verify(android_key(options))) == expected);
}

TEST_CASE("android_key_signature_and_alg_are_checked") {
  auto reg = android_key();
  errc expected = errc::ok;
  SUBCASE("signature") {
    auto sig = *reg.statement.sig;
    sig.back() ^= 1;
    set_member(reg, "sig", ts::cbor::byte_string(sig));
    expected = errc::attestation_signature_invalid;
  }
  SUBCASE("alg") {
    set_member(reg, "alg", ts::cbor::integer(ts::cose_alg::rs256));
    expected = errc::attestation_algorithm_mismatch;
  }
  CHECK(error_of(verify(reg)) == expected);
}

TEST_CASE("android_key_tee_only_scope_ignores_software_lists") {
  const bytes der =
      ts::encode_android_key_description(bytes(32, 1), {{2}, 0, false}, {});
  const auto description = webauthn::parse_android_key_description(der);
  REQUIRE(description.has_value());
  CHECK(webauthn::check_android_authorizations(
            *description, webauthn::android_key_scope::tee_and_software)
            .has_value());
  CHECK(webauthn::check_android_authorizations(
            *description, webauthn::android_key_scope::tee_only)
            .error() == errc::android_key_origin_not_generated);
}

TEST_CASE("android_key_description_parser_is_strict") {
  const bytes der = ts::encode_android_key_description(
      bytes(32, 1), {{2, 3}, 0, false}, {{2}, 0, true});
  const auto parsed = webauthn::parse_android_key_description(der);
  REQUIRE(parsed.has_value());
  CHECK(parsed->attestation_version == 200);
  CHECK(parsed->tee_enforced.all_applications);
  CHECK(parsed->software_enforced.purposes == std::vector<std::int64_t>{2, 3});
  for (std::size_t n = 0; n < der.size(); ++n) {
    CAPTURE(n);
    CHECK(webauthn::parse_android_key_description({der.data(), n}).error() ==
          errc::android_key_description_malformed);
  }
  bytes longer = der;
  longer.push_back(0);
  CHECK(webauthn::parse_android_key_description(longer).error() ==
        errc::android_key_description_malformed);
}

TEST_CASE("der_reader_refuses_non_minimal_and_indefinite_forms") {
  using webauthn::der_single;
  CHECK(der_single(bytes{0x04, 0x01, 0xAA}).has_value());
  CHECK_FALSE(der_single(bytes{0x04, 0x81, 0x01, 0xAA}).has_value());
  CHECK_FALSE(der_single(bytes{0x30, 0x80, 0x00, 0x00}).has_value());
  CHECK_FALSE(der_single(bytes{0x04, 0x02, 0xAA}).has_value());
  CHECK_FALSE(der_single(bytes{0x04, 0x00, 0x00}).has_value());
  const auto high = der_single(bytes{0xBF, 0x85, 0x3E, 0x00});
  REQUIRE(high.has_value());
  CHECK(high->number == 702);
  CHECK_FALSE(der_single(bytes{0xBF, 0x80, 0x85, 0x3E, 0x00}).has_value());
  CHECK_FALSE(der_single(bytes{0xBF, 0x1E, 0x00}).has_value());
  CHECK_FALSE(webauthn::der_small_unsigned(bytes{0x00, 0x01}).has_value());
  CHECK_FALSE(webauthn::der_small_unsigned(bytes{0x80}).has_value());
  CHECK(webauthn::der_small_unsigned(bytes{0x00, 0x80}) == 128);
}

// apple --------------------------------------------------------------------

TEST_CASE("valid_apple_is_anonca_with_or_without_alg") {
  auto reg = credential();
  ts::attest_apple(reg);
  const auto result = verify(reg);
  REQUIRE(result.has_value());
  CHECK(result->type == attestation_type::anonca);
  set_member(reg, "alg", ts::cbor::integer(ts::cose_alg::es256));
  CHECK(verify(reg).has_value());
  set_member(reg, "alg", ts::cbor::text("ES256"));
  CHECK(error_of(verify(reg)) == errc::attestation_statement_malformed);
}

TEST_CASE("apple_mutations_are_refused_by_name") {
  auto reg = credential();
  ts::apple_options options;
  errc expected = errc::ok;
  SUBCASE("nonce") {
    options.nonce = bytes(32, 0x44);
    expected = errc::apple_nonce_mismatch;
  }
  SUBCASE("nonce extension missing") {
    options.include_extension = false;
    expected = errc::apple_nonce_extension_malformed;
  }
  SUBCASE("leaf key is not the credential key") {
    options.leaf_key = ts::make_key(ts::key_type::es256);
    expected = errc::attestation_certificate_key_mismatch;
  }
  ts::attest_apple(reg, options);
  CHECK(error_of(verify(reg)) == expected);
}

// android-safetynet ----------------------------------------------------

namespace {

struct jws_parts {
  nlohmann::json header;
  nlohmann::json payload;
  bool break_signature = false;
};

std::string b64url(std::string_view text) {
  return common::base64url_encode(common::as_bytes(text));
}

// A SafetyNet response for `reg`, signed by a leaf issued to `host`.
jws_parts safetynet_parts(const ts::registration& reg,
                          const ts::certificate& leaf) {
  bytes signed_data = reg.auth_data_bytes;
  const bytes hash = reg.client_data_hash();
  signed_data.insert(signed_data.end(), hash.begin(), hash.end());
  jws_parts parts;
  parts.header = {{"alg", "RS256"},
                  {"x5c", {webauthn::base64_standard_encode(leaf.der)}}};
  parts.payload = {
      {"nonce", webauthn::base64_standard_encode(ts::sha256(signed_data))},
      {"timestampMs", common::to_unix_seconds(kNow) * 1000 - 5000},
      {"apkPackageName", "com.google.android.gms"},
      {"ctsProfileMatch", true},
      {"basicIntegrity", true}};
  return parts;
}

void attest_safetynet(ts::registration& reg, const ts::certificate& leaf,
                      const jws_parts& parts) {
  const std::string input =
      b64url(parts.header.dump()) + "." + b64url(parts.payload.dump());
  bytes sig = leaf.key.sign(common::as_bytes(input));
  if (parts.break_signature)
    sig.back() ^= 1;
  const std::string compact = input + "." + common::base64url_encode(sig);
  reg.statement.fmt = "android-safetynet";
  set_member(reg, "ver", ts::cbor::text("17785037"));
  set_member(reg, "response", ts::cbor::byte_string(common::as_bytes(compact)));
}

ts::certificate safetynet_leaf(const std::string& host) {
  ts::cert_options options;
  options.key = ts::key_type::rs256;
  options.common_name = host;
  return ts::make_attestation_cert(ts::test_root_ca(), options);
}

}  // namespace

TEST_CASE("valid_safetynet_is_basic_with_the_jws_certificates") {
  auto reg = credential();
  reg.statement.fmt = "android-safetynet";
  set_member(reg, "sig", std::nullopt);
  const auto leaf = safetynet_leaf("attest.android.com");
  attest_safetynet(reg, leaf, safetynet_parts(reg, leaf));
  const auto result = verify(reg);
  REQUIRE(result.has_value());
  CHECK(result->type == attestation_type::basic);
  CHECK(result->certificates == std::vector<bytes>{leaf.der});
}

TEST_CASE("safetynet_mutations_are_refused_by_name") {
  auto reg = credential();
  reg.statement.fmt = "android-safetynet";
  auto leaf = safetynet_leaf("attest.android.com");
  auto parts = safetynet_parts(reg, leaf);
  const std::int64_t now_ms = common::to_unix_seconds(kNow) * 1000;
  errc expected = errc::ok;
  SUBCASE("nonce") {
    parts.payload["nonce"] = webauthn::base64_standard_encode(bytes(32, 1));
    expected = errc::safetynet_nonce_mismatch;
  }
  SUBCASE("ctsProfileMatch false") {
    parts.payload["ctsProfileMatch"] = false;
    expected = errc::safetynet_cts_profile_mismatch;
  }
  SUBCASE("older than a minute") {
    parts.payload["timestampMs"] = now_ms - 61'000;
    expected = errc::safetynet_timestamp_too_old;
  }
  SUBCASE("more than a minute ahead") {
    parts.payload["timestampMs"] = now_ms + 61'000;
    expected = errc::safetynet_timestamp_in_future;
  }
  SUBCASE("another host") {
    leaf = safetynet_leaf("attest.example.com");
    parts = safetynet_parts(reg, leaf);
    expected = errc::safetynet_hostname_mismatch;
  }
  SUBCASE("signature") {
    parts.break_signature = true;
    expected = errc::attestation_signature_invalid;
  }
  SUBCASE("alg none") {
    parts.header["alg"] = "none";
    expected = errc::attestation_algorithm_mismatch;
  }
  SUBCASE("payload without ctsProfileMatch") {
    parts.payload.erase("ctsProfileMatch");
    expected = errc::safetynet_response_malformed;
  }
  SUBCASE("x5c entry in base64url") {
    parts.header["x5c"] = {common::base64url_encode(leaf.der)};
    expected = errc::safetynet_response_malformed;
  }
  attest_safetynet(reg, leaf, parts);
  CHECK(error_of(verify(reg)) == expected);
}

TEST_CASE("safetynet_response_parser_refuses_malformed_jws") {
  const std::string header = b64url(R"({"alg":"RS256","x5c":["AAAA"]})");
  const std::string payload =
      b64url(R"({"nonce":"x","timestampMs":1,"ctsProfileMatch":true})");
  const std::string sig = "AQ";
  CHECK(webauthn::parse_safetynet_response(header + "." + payload + "." + sig)
            .has_value());
  for (const std::string& bad : std::vector<std::string>{
           "", "..", header + "." + payload,
           header + "." + payload + "." + sig + ".",
           header + "." + payload + ".", header + "=." + payload + "." + sig,
           b64url(R"({"alg":"RS256","alg":"RS256","x5c":["AAAA"]})") + "." +
               payload + "." + sig,
           b64url(R"({"alg":"RS256","x5c":[]})") + "." + payload + "." + sig,
           b64url(R"({"alg":"RS256","x5c":["AAA"]})") + "." + payload + "." +
               sig,
           header + "." +
               b64url(R"({"nonce":"x","timestampMs":1.5,)"
                      R"("ctsProfileMatch":true})") +
               "." + sig,
           header + "." + b64url("[1]") + "." + sig}) {
    CAPTURE(bad);
    CHECK(webauthn::parse_safetynet_response(bad).error() ==
          errc::safetynet_response_malformed);
  }
}

TEST_CASE("safetynet_timestamp_bounds_are_inclusive_and_overflow_free") {
  const webauthn::safetynet_freshness freshness;
  const std::int64_t now_ms = common::to_unix_seconds(kNow) * 1000;
  CHECK(webauthn::check_safetynet_timestamp(now_ms - 60'000, kNow, freshness)
            .has_value());
  CHECK(webauthn::check_safetynet_timestamp(now_ms + 60'000, kNow, freshness)
            .has_value());
  CHECK(
      webauthn::check_safetynet_timestamp(INT64_MIN, kNow, freshness).error() ==
      errc::safetynet_timestamp_too_old);
  CHECK(
      webauthn::check_safetynet_timestamp(INT64_MAX, kNow, freshness).error() ==
      errc::safetynet_timestamp_in_future);
}
