// FIDO metadata: the real MDS3 BLOB in ../shared/fixtures/webauthn/mds
// (signature, chain, serial number, tampering), the YubiKey entries that
// name the YubiKey captures, and generated BLOBs and statements for each
// refusal.
#include "webauthn/metadata.hpp"

#include "common/encoding.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/credential_json.hpp"

#include "tests/support/fixtures.hpp"
#include "tests/support/mds_blob.hpp"
#include "tests/support/test_ca.hpp"

#include <openssl/evp.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ts = test_support;
using common::bytes;
using webauthn::errc;

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// 2021-06-01, inside the real BLOB's certificates' validity.
const common::time_point kBlobDate = common::from_unix_seconds(1622505600);

webauthn::trust_store globalsign_r3() {
  webauthn::trust_store roots;
  const auto pem =
      read_text(ts::fixtures_dir() / "roots" / "globalsign-root-ca-r3.pem");
  REQUIRE(roots.add_root(common::as_bytes(pem)).has_value());
  return roots;
}

std::string real_blob() {
  return read_text(ts::fixtures_dir() / "mds" / "blob-no9-2021.jwt");
}

// Changes the base64url character at `at` to another one, so the text
// still decodes but to other bytes.
std::string flip(std::string text, std::size_t at) {
  text[at] = text[at] == 'A' ? 'B' : 'A';
  return text;
}

}  // namespace

TEST_CASE("the real MDS3 BLOB verifies at its own date") {
  if (!ts::fixtures_present()) {
    MESSAGE("skipped: ../shared/fixtures/webauthn is absent");
    return;
  }
  webauthn::metadata_store store;
  const auto info = store.load_blob(real_blob(), globalsign_r3(), kBlobDate);
  REQUIRE_MESSAGE(info.has_value(), info.error().message());
  CHECK(info->number == 9);
  CHECK(info->next_update == "2021-12-01");
  CHECK(info->entries == 98);
  CHECK(info->skipped_entries == 0);
  CHECK_FALSE(info->past_next_update);
  CHECK(store.blob_number() == 9u);
  CHECK(store.size() == 98);

  SUBCASE("the same BLOB again is not newer") {
    const auto again = store.load_blob(real_blob(), globalsign_r3(), kBlobDate);
    REQUIRE(again.has_error());
    CHECK(again.error() == errc::metadata_not_newer);
    CHECK(store.size() == 98);
  }
  SUBCASE("another root, or another signer name, is not trusted") {
    webauthn::trust_store other;
    REQUIRE(
        other
            .add_root(common::as_bytes(read_text(ts::fixtures_dir() / "roots" /
                                                 "globalsign-root-ca-r1.pem")))
            .has_value());
    webauthn::metadata_store fresh;
    CHECK(fresh.load_blob(real_blob(), other, kBlobDate).error() ==
          errc::metadata_chain_untrusted);
    webauthn::blob_options options;
    options.signer_host = "mds.example.com";
    CHECK(fresh.load_blob(real_blob(), globalsign_r3(), kBlobDate, options)
              .error() == errc::metadata_chain_untrusted);
    CHECK(fresh.size() == 0);
  }
}

TEST_CASE("the real MDS3 BLOB fails with any byte changed") {
  if (!ts::fixtures_present()) {
    MESSAGE("skipped: ../shared/fixtures/webauthn is absent");
    return;
  }
  const std::string blob = real_blob();
  const auto roots = globalsign_r3();
  const auto first_dot = blob.find('.');
  const auto second_dot = blob.find('.', first_dot + 1);
  const auto end = blob.find_last_not_of("\r\n");
  REQUIRE(second_dot != std::string::npos);

  webauthn::metadata_store store;
  const auto payload = store.load_blob(flip(blob, (first_dot + second_dot) / 2),
                                       roots, kBlobDate);
  REQUIRE(payload.has_error());
  CHECK(payload.error() == errc::metadata_signature_invalid);
  const auto signature =
      store.load_blob(flip(blob, (second_dot + end) / 2), roots, kBlobDate);
  REQUIRE(signature.has_error());
  CHECK(signature.error() == errc::metadata_signature_invalid);

  // A sweep over the whole text: header, x5c, payload and signature. The
  // last character of each part is left out: its low bits may carry no
  // data.
  for (std::size_t at = 3; at < end; at += blob.size() / 97) {
    if (blob[at] == '.' || blob[at + 1] == '.')
      continue;
    CAPTURE(at);
    CHECK(store.load_blob(flip(blob, at), roots, kBlobDate).has_error());
  }
  CHECK(store.size() == 0);
}

// The YubiKey captures ------------------------------------------------------

namespace {

webauthn::aaguid aaguid_of(const ts::registration_fixture& fixture) {
  const auto response =
      webauthn::parse_registration_response(fixture.credential);
  REQUIRE(response.has_value());
  const auto object =
      webauthn::parse_attestation_object(response->attestation_object);
  REQUIRE(object.has_value());
  const auto data = webauthn::parse_authenticator_data(object->auth_data);
  REQUIRE(data.has_value());
  REQUIRE(data->attested.has_value());
  return data->attested->aaguid;
}

webauthn::metadata_store yubikey_statements() {
  webauthn::metadata_store store;
  for (const auto& entry :
       std::filesystem::directory_iterator(ts::fixtures_dir() / "metadata")) {
    if (entry.path().extension() != ".json")
      continue;
    CAPTURE(entry.path().filename().string());
    REQUIRE(store.add_statement(read_text(entry.path())).has_value());
  }
  return store;
}

}  // namespace

TEST_CASE("the YubiKey entries name the models of the YubiKey captures") {
  if (!ts::fixtures_present()) {
    MESSAGE("skipped: ../shared/fixtures/webauthn is absent");
    return;
  }
  const auto statements = yubikey_statements();
  CHECK(statements.size() == 11);
  webauthn::metadata_store blob;
  REQUIRE(blob.load_blob(real_blob(), globalsign_r3(), kBlobDate).has_value());
  int named = 0;
  for (const auto& fixture : ts::load_registration_fixtures()) {
    const bool yubico = fixture.file.starts_with("packed-x5c_yubikey-") ||
                        fixture.file.starts_with("packed-x5c_security-key-");
    if (!yubico)
      continue;
    CAPTURE(fixture.file);
    const auto model = aaguid_of(fixture);
    const auto* entry = statements.find(model);
    REQUIRE(entry != nullptr);
    // The README's device column quotes the model name the BLOB gives
    // (MDS3: "..."), wherever the source named one.
    const auto quoted = fixture.device.find("MDS3: \"");
    if (quoted != std::string::npos) {
      const auto start = quoted + 7;
      const auto name =
          fixture.device.substr(start, fixture.device.find('"', start) - start);
      CHECK(entry->description == name);
    } else {
      CHECK(entry->description.find("YubiKey") != std::string::npos);
    }
    CHECK(entry->attestation_roots.size() == 1);
    CHECK(entry->status_reports.size() >= 1);
    CHECK(webauthn::refusing_report(*entry) == nullptr);
    const auto* from_blob = blob.find(model);
    REQUIRE(from_blob != nullptr);
    CHECK(from_blob->description == entry->description);
    ++named;
  }
  CHECK(named >= 10);
}

// Generated BLOBs -----------------------------------------------------------

namespace {

const char* const kTestHost = ts::kTestMdsHost;

ts::certificate make_signer(ts::key_type key) {
  return ts::make_mds_signer(key);
}

std::string make_blob(const nlohmann::json& payload,
                      const ts::certificate& signer,
                      const std::string& alg = "") {
  return ts::make_mds_blob(payload, signer, alg);
}

nlohmann::json statement_json(const std::string& aaguid,
                              const std::string& description,
                              const bytes& root) {
  return {{"aaguid", aaguid},
          {"description", description},
          {"attestationRootCertificates", {ts::base64_standard(root)}}};
}

nlohmann::json payload_json(std::uint64_t number, nlohmann::json entries) {
  return {{"legalHeader", "test"},
          {"no", number},
          {"nextUpdate", "2026-02-01"},
          {"entries", std::move(entries)}};
}

webauthn::trust_store test_roots() {
  webauthn::trust_store roots;
  REQUIRE(roots.add_root(ts::test_root_ca().der).has_value());
  return roots;
}

webauthn::blob_options test_host() {
  webauthn::blob_options options;
  options.signer_host = kTestHost;
  return options;
}

const common::time_point kJanuary2026 = common::from_unix_seconds(1767225600);

constexpr const char* kModel = "01020304-0506-0708-090a-0b0c0d0e0f10";

}  // namespace

TEST_CASE("a generated BLOB loads with ES256 and RS256 signers") {
  const nlohmann::json entry = {
      {"aaguid", kModel},
      {"metadataStatement",
       statement_json(kModel, "Test Key", ts::test_root_ca().der)},
      {"statusReports", {{{"status", "FIDO_CERTIFIED_L1"}}}},
      {"timeOfLastStatusChange", "2025-01-01"}};
  for (const auto key : {ts::key_type::es256, ts::key_type::rs256}) {
    CAPTURE(ts::name_of(key));
    const auto blob = make_blob(payload_json(3, {entry}), make_signer(key));
    webauthn::metadata_store store;
    const auto info =
        store.load_blob(blob, test_roots(), kJanuary2026, test_host());
    REQUIRE_MESSAGE(info.has_value(), info.error().message());
    CHECK(info->number == 3);
    CHECK(info->entries == 1);
    CHECK_FALSE(info->past_next_update);
    const auto id = common::hex_decode("0102030405060708090a0b0c0d0e0f10");
    webauthn::aaguid model{};
    std::copy(id->begin(), id->end(), model.begin());
    const auto* found = store.find(model);
    REQUIRE(found != nullptr);
    CHECK(found->description == "Test Key");
    CHECK(found->attestation_roots.front() == ts::test_root_ca().der);
    CHECK(found->status_reports.front().status == "FIDO_CERTIFIED_L1");
  }
}

TEST_CASE("a BLOB past its nextUpdate is used with a warning") {
  const auto blob = make_blob(payload_json(1, nlohmann::json::array()),
                              make_signer(ts::key_type::es256));
  webauthn::metadata_store store;
  const auto info = store.load_blob(
      blob, test_roots(), common::from_unix_seconds(1772000000), test_host());
  REQUIRE(info.has_value());
  CHECK(info->past_next_update);
}

TEST_CASE(
    "a BLOB whose number is not higher is refused; a higher one "
    "replaces it") {
  const auto signer = make_signer(ts::key_type::es256);
  const nlohmann::json one = {
      {"metadataStatement",
       statement_json(kModel, "Old", ts::test_root_ca().der)},
      {"statusReports", nlohmann::json::array()}};
  webauthn::metadata_store store;
  REQUIRE(store
              .load_blob(make_blob(payload_json(5, {one}), signer),
                         test_roots(), kJanuary2026, test_host())
              .has_value());
  for (const std::uint64_t number : {5u, 4u, 0u}) {
    const auto again = store.load_blob(
        make_blob(payload_json(number, nlohmann::json::array()), signer),
        test_roots(), kJanuary2026, test_host());
    REQUIRE(again.has_error());
    CHECK(again.error() == errc::metadata_not_newer);
  }
  CHECK(store.size() == 1);
  REQUIRE(store
              .load_blob(
                  make_blob(payload_json(6, nlohmann::json::array()), signer),
                  test_roots(), kJanuary2026, test_host())
              .has_value());
  CHECK(store.blob_number() == 6u);
  CHECK(store.size() == 0);
}

TEST_CASE("BLOB refusals name what was wrong") {
  const auto signer = make_signer(ts::key_type::es256);
  const auto good = make_blob(payload_json(1, nlohmann::json::array()), signer);
  webauthn::metadata_store store;
  const auto load = [&](const std::string& text) {
    return store.load_blob(text, test_roots(), kJanuary2026, test_host());
  };
  CHECK(load("").error() == errc::metadata_malformed);
  CHECK(load("a.b").error() == errc::metadata_malformed);
  CHECK(load(good + ".x").error() == errc::metadata_malformed);
  CHECK(load("!!." + good.substr(good.find('.') + 1)).error() ==
        errc::metadata_malformed);
  CHECK(load(make_blob(payload_json(1, {}), signer, "HS256")).error() ==
        errc::metadata_algorithm_unsupported);
  CHECK(load(make_blob(payload_json(1, {}), signer, "none")).error() ==
        errc::metadata_algorithm_unsupported);
  // RS256 named for an EC signer.
  CHECK(load(make_blob(payload_json(1, {}), signer, "RS256")).error() ==
        errc::metadata_signature_invalid);
  const auto stranger =
      ts::make_attestation_cert(ts::make_root_ca("Stranger Root"), [] {
        ts::cert_options options;
        options.common_name = kTestHost;
        return options;
      }());
  CHECK(load(make_blob(payload_json(1, {}), stranger)).error() ==
        errc::metadata_chain_untrusted);
  CHECK(load(make_blob({{"no", 1}}, signer)).error() ==
        errc::metadata_malformed);
  CHECK(load(make_blob({{"no", -1},
                        {"nextUpdate", "2026-02-01"},
                        {"entries", nlohmann::json::array()}},
                       signer))
            .error() == errc::metadata_malformed);
  CHECK(load(make_blob({{"no", 2},
                        {"nextUpdate", "next year"},
                        {"entries", nlohmann::json::array()}},
                       signer))
            .error() == errc::metadata_malformed);
  // Dates a clock cannot hold (a fuzzer found the first one overflowing).
  for (const char* date : {"1010-12-01", "9999-12-31"}) {
    CAPTURE(date);
    CHECK(load(make_blob({{"no", 2},
                          {"nextUpdate", date},
                          {"entries", nlohmann::json::array()}},
                         signer))
              .error() == errc::metadata_malformed);
  }
  CHECK(store.size() == 0);
  CHECK(load(good).has_value());
}

TEST_CASE(
    "entries without the shape Latchkey reads are skipped and "
    "counted") {
  const bytes& root = ts::test_root_ca().der;
  const nlohmann::json entries = {
      {{"metadataStatement", statement_json(kModel, "Kept", root)}},
      {{"metadataStatement", statement_json("not-a-uuid", "Bad id", root)}},
      {{"metadataStatement", {{"aaguid", kModel}}}},
      {{"metadataStatement",
        {{"description", "Bad root"},
         {"attestationRootCertificates", {"@@@"}}}}},
      {{"metadataStatement", statement_json(kModel, "Bad report", root)},
       {"statusReports", {{{"effectiveDate", "2025-01-01"}}}}},
      "not an object",
  };
  webauthn::metadata_store store;
  const auto info = store.load_blob(
      make_blob(payload_json(1, entries), make_signer(ts::key_type::es256)),
      test_roots(), kJanuary2026, test_host());
  REQUIRE(info.has_value());
  CHECK(info->entries == 1);
  CHECK(info->skipped_entries == 5);
}

TEST_CASE("statements and BLOB entries are read alone") {
  const bytes& root = ts::test_root_ca().der;
  auto statement = statement_json(kModel, "Alone", root);
  // Statements in the wild wrap their certificates in line breaks.
  std::string wrapped = ts::base64_standard(root);
  wrapped.insert(10, "\n");
  statement["attestationRootCertificates"] = {"\n\n" + wrapped};
  const auto parsed = webauthn::parse_metadata_entry(statement.dump());
  REQUIRE(parsed.has_value());
  CHECK(parsed->description == "Alone");
  CHECK(parsed->attestation_roots.front() == root);
  CHECK(parsed->status_reports.empty());

  const nlohmann::json u2f = {
      {"attestationCertificateKeyIdentifiers",
       {"00112233445566778899aabbccddeeff00112233"}},
      {"metadataStatement", {{"description", "U2F key"}}},
      {"statusReports", {{{"status", "REVOKED"}}}}};
  const auto entry = webauthn::parse_metadata_entry(u2f.dump());
  REQUIRE(entry.has_value());
  CHECK_FALSE(entry->model.has_value());
  REQUIRE(entry->key_identifiers.size() == 1);
  CHECK(entry->key_identifiers[0][1] == 0x11);
  REQUIRE(webauthn::refusing_report(*entry) != nullptr);

  CHECK(webauthn::parse_metadata_entry("[]").error() ==
        errc::metadata_malformed);
  CHECK(webauthn::parse_metadata_entry("{").error() ==
        errc::metadata_malformed);
  CHECK(webauthn::parse_metadata_entry(std::string(2 << 20, ' ')).error() ==
        errc::input_too_large);
  CHECK(webauthn::parse_metadata_entry(std::string(100, '[')).error() ==
        errc::metadata_malformed);
}

TEST_CASE(
    "refusing statuses are exactly the revoked and compromised "
    "ones") {
  for (const char* status :
       {"REVOKED", "ATTESTATION_KEY_COMPROMISE", "USER_VERIFICATION_BYPASS",
        "USER_KEY_REMOTE_COMPROMISE", "USER_KEY_PHYSICAL_COMPROMISE"})
    CHECK(webauthn::status_refuses(status));
  for (const char* status :
       {"FIDO_CERTIFIED", "FIDO_CERTIFIED_L1", "NOT_FIDO_CERTIFIED",
        "UPDATE_AVAILABLE", "SELF_ASSERTION_SUBMITTED", "revoked", ""})
    CHECK_FALSE(webauthn::status_refuses(status));
}

TEST_CASE("U2F models are found by the attestation key identifier") {
  const auto leaf = ts::make_attestation_cert(ts::test_root_ca());
  const auto key = webauthn::certificate_key_identifier(leaf.der);
  REQUIRE(key.has_value());
  const nlohmann::json statement = {
      {"description", "Test U2F"},
      {"attestationCertificateKeyIdentifiers", {common::hex_encode(*key)}}};
  webauthn::metadata_store store;
  REQUIRE(store.add_statement(statement.dump()).has_value());
  const auto* found = store.find_for(webauthn::aaguid{}, {leaf.der});
  REQUIRE(found != nullptr);
  CHECK(found->description == "Test U2F");
  const auto other = ts::make_attestation_cert(ts::test_root_ca());
  CHECK(store.find_for(webauthn::aaguid{}, {other.der}) == nullptr);
  CHECK(store.find_for(webauthn::aaguid{}, {}) == nullptr);
  CHECK_FALSE(webauthn::certificate_key_identifier(bytes{0x30}).has_value());
}
