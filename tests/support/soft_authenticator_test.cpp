#include "tests/support/soft_authenticator.hpp"

#include <doctest/doctest.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <set>

#include "common/encoding.hpp"
#include "common/openssl.hpp"

using namespace test_support;

namespace {

common::bytes decode64(const nlohmann::json& value) {
  return common::base64url_decode(value.get<std::string>()).value();
}

std::set<std::string> member_names(const nlohmann::json& object) {
  std::set<std::string> names;
  for (const auto& [name, value] : object.items()) {
    names.insert(name);
  }
  return names;
}

// Checks a signature with OpenSSL from the SPKI a toJSON() response
// reports, so neither the key nor the signature is taken on trust.
bool spki_verifies(const common::bytes& spki, key_type type,
                   const common::bytes& message, const common::bytes& sig) {
  const unsigned char* p = spki.data();
  const common::ossl::pkey key(
      d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  const common::ossl::md_ctx ctx(EVP_MD_CTX_new());
  const bool pure = type == key_type::ed25519 || type == key_type::ed448;
  const EVP_MD* md = pure                      ? nullptr
                     : type == key_type::es384 ? EVP_sha384()
                     : type == key_type::es512 ? EVP_sha512()
                                               : EVP_sha256();
  EVP_PKEY_CTX* pctx = nullptr;
  if (!key ||
      EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.get()) != 1) {
    return false;
  }
  if (type == key_type::ps256) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
  }
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(),
                          message.size()) == 1;
}

common::bytes signed_message(const assertion& a) {
  common::bytes out = a.auth_data_bytes;
  const common::bytes hash = a.client_data_hash();
  out.insert(out.end(), hash.begin(), hash.end());
  return out;
}

}  // namespace

TEST_CASE("registration JSON has exactly the members toJSON() gives") {
  const registration reg = make_registration();
  const nlohmann::json j = reg.to_json();
  CHECK(member_names(j) == std::set<std::string>{"id", "rawId", "type",
                                                 "response",
                                                 "authenticatorAttachment",
                                                 "clientExtensionResults"});
  CHECK(member_names(j["response"]) ==
        std::set<std::string>{"clientDataJSON", "attestationObject",
                              "authenticatorData", "transports", "publicKey",
                              "publicKeyAlgorithm"});
  CHECK(j["type"] == "public-key");
  CHECK(j["id"] == j["rawId"]);
  CHECK(decode64(j["rawId"]) == reg.credential_id());
  CHECK(reg.credential_id().size() == 32);
  CHECK(j["response"]["publicKeyAlgorithm"] == -7);
  CHECK(decode64(j["response"]["authenticatorData"]) == reg.auth_data_bytes);
  CHECK(j["clientExtensionResults"] == nlohmann::json::object());
  // Unpadded base64url throughout.
  CHECK(j.dump().find('=') == std::string::npos);
}

TEST_CASE("assertion JSON has exactly the members toJSON() gives") {
  credential cred = make_registration().to_credential();
  const nlohmann::json j = make_assertion(cred).to_json();
  CHECK(member_names(j) == std::set<std::string>{"id", "rawId", "type",
                                                 "response",
                                                 "authenticatorAttachment",
                                                 "clientExtensionResults"});
  CHECK(member_names(j["response"]) ==
        std::set<std::string>{"clientDataJSON", "authenticatorData",
                              "signature", "userHandle"});
  CHECK(decode64(j["response"]["userHandle"]) == cred.user_handle);
  CHECK(cred.user_handle.size() == 64);

  assertion_options no_handle;
  no_handle.include_user_handle = false;
  CHECK_FALSE(make_assertion(cred, no_handle)
                  .to_json()["response"]
                  .contains("userHandle"));
}

TEST_CASE("clientDataJSON carries the ceremony and injected members") {
  registration_options options;
  options.challenge = common::bytes(32, 0xab);
  options.cross_origin = true;
  options.top_origin = "https://top.example";
  registration reg = make_registration(options);
  const auto parsed = nlohmann::json::parse(reg.client_data_json);
  CHECK(parsed["type"] == "webauthn.create");
  CHECK(decode64(parsed["challenge"]) == options.challenge);
  CHECK(parsed["origin"] == "http://localhost:8080");
  CHECK(parsed["crossOrigin"] == true);
  CHECK(parsed["topOrigin"] == "https://top.example");
  CHECK(reg.client_data_json.starts_with("{\"type\":\"webauthn.create\","));

  reg.client.extra["other_keys_can_be_added_here"] = "ignored";
  reg.client.cross_origin.reset();
  reg.rebuild();
  const auto again = nlohmann::json::parse(reg.client_data_json);
  CHECK(again["other_keys_can_be_added_here"] == "ignored");
  CHECK_FALSE(again.contains("crossOrigin"));
}

TEST_CASE("authenticator data is laid out as WebAuthn section 6.1 says") {
  registration_options options;
  options.rp_id = "example.org";
  options.flags.be = true;
  options.sign_count = 0x01020304;
  options.credential_id_length = 1024;
  const registration reg = make_registration(options);
  const common::bytes& d = reg.auth_data_bytes;
  const common::bytes id = reg.credential_id();
  const common::bytes cose = reg.key.cose_bytes();
  REQUIRE(d.size() == 37 + 16 + 2 + 1024 + cose.size());
  CHECK(common::bytes(d.begin(), d.begin() + 32) ==
        sha256(common::as_bytes("example.org")));
  CHECK(d[32] == (0x01 | 0x04 | 0x08 | 0x40));
  CHECK(common::bytes(d.begin() + 33, d.begin() + 37) ==
        common::bytes{1, 2, 3, 4});
  CHECK(common::bytes(d.begin() + 37, d.begin() + 53) == default_aaguid());
  CHECK(d[53] == 0x04);
  CHECK(d[54] == 0x00);
  CHECK(common::bytes(d.begin() + 55, d.begin() + 55 + 1024) == id);
  CHECK(common::bytes(d.end() - static_cast<long>(cose.size()), d.end()) ==
        cose);
}

TEST_CASE("flags encode one bit per name, reserved bits unchanged") {
  auth_flags f;
  f.up = false;
  f.uv = false;
  CHECK(f.to_byte() == 0);
  f.bs = true;
  f.ed = true;
  f.reserved = 0x22;
  CHECK(f.to_byte() == (0x10 | 0x80 | 0x22));
}

TEST_CASE("every key type signs what its public key verifies") {
  for (const key_type type : all_key_types) {
    CAPTURE(name_of(type));
    registration_options options;
    options.key = type;
    credential cred = make_registration(options).to_credential();
    const assertion a = make_assertion(cred);
    const nlohmann::json j = make_registration(options).to_json();
    CHECK(j["response"]["publicKeyAlgorithm"] == default_alg(type));
    CHECK(spki_verifies(cred.key.spki_der(), type, signed_message(a),
                        a.signature));
    common::bytes bad = a.signature;
    bad[bad.size() / 2] ^= 0x01;
    CHECK_FALSE(
        spki_verifies(cred.key.spki_der(), type, signed_message(a), bad));
  }
}

TEST_CASE("counters auto-increment or take the test's value") {
  registration_options options;
  options.sign_count = 7;
  credential cred = make_registration(options).to_credential();
  CHECK(make_assertion(cred).auth_data.sign_count == 8);
  CHECK(make_assertion(cred).auth_data.sign_count == 9);
  assertion_options fixed;
  fixed.sign_count = 3;
  CHECK(make_assertion(cred, fixed).auth_data.sign_count == 3);
  CHECK(cred.sign_count == 3);
  fixed.sign_count = 0;
  const assertion zero = make_assertion(cred, fixed);
  CHECK(zero.auth_data_bytes[33] == 0);
  CHECK(zero.auth_data_bytes[36] == 0);
}

TEST_CASE("assertions carry the credential's backup flags, never AT") {
  registration_options options;
  options.flags.be = true;
  options.flags.bs = true;
  credential cred = make_registration(options).to_credential();
  const assertion a = make_assertion(cred);
  CHECK(a.auth_data_bytes.size() == 37);
  CHECK(a.auth_data_bytes[32] == (0x01 | 0x04 | 0x08 | 0x10));
}

TEST_CASE("rebuild_unsigned keeps the old signature, rebuild re-signs") {
  registration_options options;
  options.format = attestation_format::packed_self;
  registration reg = make_registration(options);
  const common::bytes old_sig = reg.statement.sig.value();
  reg.auth_data.sign_count = 42;
  reg.rebuild_unsigned();
  CHECK(reg.statement.sig == old_sig);
  CHECK(reg.auth_data_bytes[36] == 42);
  reg.rebuild();
  CHECK(reg.statement.sig != old_sig);

  credential cred = reg.to_credential();
  assertion a = make_assertion(cred);
  const common::bytes old_assertion_sig = a.signature;
  a.client.challenge = "AAAA";
  a.rebuild_unsigned();
  CHECK(a.signature == old_assertion_sig);
  CHECK_FALSE(spki_verifies(a.key.spki_der(), a.key.type, signed_message(a),
                            a.signature));
}

TEST_CASE("id and rawId can differ from the credential id") {
  registration reg = make_registration();
  reg.id = "bm90LXRoZS1pZA";
  const nlohmann::json j = reg.to_json();
  CHECK(j["id"] == "bm90LXRoZS1pZA");
  CHECK(decode64(j["rawId"]) == reg.credential_id());
}

TEST_CASE("usage: packed x5c registration, a broken copy, an assertion") {
  registration_options options;
  options.rp_id = "example.org";
  options.origin = "https://example.org";
  options.challenge = common::bytes(32, 0x42);
  options.format = attestation_format::packed_x5c;
  const registration reg = make_registration(options);
  const std::string good_json = reg.to_json_text();
  CHECK(good_json.find("\"attestationObject\"") != std::string::npos);

  registration bad = reg;
  bad.auth_data.flags.be = false;
  bad.auth_data.flags.bs = true;  // BS without BE
  bad.rebuild();                  // re-signed: only the flag rule fails
  CHECK(bad.auth_data_bytes[32] == (0x01 | 0x04 | 0x10 | 0x40));

  credential cred = reg.to_credential();
  assertion_options get;
  get.origin = "https://example.org";
  get.challenge = common::bytes(32, 0x43);
  const assertion a = make_assertion(cred, get);
  CHECK(a.auth_data.sign_count == 1);
  CHECK(a.to_json()["id"] == reg.to_json()["id"]);
}
