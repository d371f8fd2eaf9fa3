// A software FIDO2 authenticator for tests: it makes registration and
// authentication responses as a browser hands them to a relying party
// (`PublicKeyCredential.toJSON()`), and keeps every intermediate piece in
// plain structs so a test can change any of them and rebuild the rest.
//
// The pieces form a chain: client data -> clientDataJSON text; authenticator
// data -> its bytes; (both) -> signature; statement + auth data bytes ->
// attestation object; all of it -> JSON. Each step has its own function,
// so a test decides which later steps run again: rebuild() re-signs,
// rebuild_unsigned() re-encodes and keeps the old (now wrong) signature.
//
// make_registration() keeps the flags consistent with what it writes (AT
// set, ED set when extensions are given); to make them inconsistent, change
// the registration afterwards. Independent of Latchkey's verifier: CBOR
// comes from libcbor's encoder, signatures from OpenSSL's EVP API.
//
// Not thread-safe per object; separate objects may be used on separate
// threads. OpenSSL failures throw std::runtime_error.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "tests/support/cbor.hpp"
#include "tests/support/keys.hpp"
#include "tests/support/test_ca.hpp"

namespace test_support {

// The AAGUID the soft authenticator reports unless told otherwise.
common::bytes default_aaguid();

// Authenticator data flags (WebAuthn section 6.1), one field per bit.
struct auth_flags {
  bool up = true;             // 0x01 user present
  bool uv = true;             // 0x04 user verified
  bool be = false;            // 0x08 backup eligible
  bool bs = false;            // 0x10 backed up
  bool at = false;            // 0x40 attested credential data included
  bool ed = false;            // 0x80 extension data included
  std::uint8_t reserved = 0;  // OR-ed in unchanged (0x02 and 0x20 are RFU)

  std::uint8_t to_byte() const noexcept;
};

struct attested_credential {
  common::bytes aaguid;  // 16 bytes
  common::bytes credential_id;
  common::bytes cose_key;  // an encoded COSE_Key
  // The length written before the id; nullopt writes the real length.
  std::optional<std::uint16_t> declared_id_length;
};

struct authenticator_data {
  common::bytes rp_id_hash;  // SHA-256(rpId)
  auth_flags flags;
  std::uint32_t sign_count = 0;
  std::optional<attested_credential> attested;  // written when present
  std::optional<common::bytes> extensions;      // CBOR map, when present
  common::bytes trailing;                       // appended unchanged

  common::bytes encode() const;
};

struct client_data {
  std::string type;       // "webauthn.create" or "webauthn.get"
  std::string challenge;  // base64url text, written as is
  std::string origin;
  std::optional<bool> cross_origin = false;  // nullopt leaves it out
  std::optional<std::string> top_origin;
  // Members written after the standard ones, in this object's order; a
  // name that repeats a standard member makes a duplicate on purpose.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();

  // Compact JSON in the order browsers write it.
  std::string to_json() const;
};

enum class attestation_format { none, packed_self, packed_x5c, fido_u2f };

struct attestation_statement {
  std::string fmt = "none";
  std::optional<int> alg;            // written when present
  std::optional<common::bytes> sig;  // written when present
  std::vector<common::bytes> x5c;    // written when not empty
  // The key sign() uses: the credential key for self attestation, the
  // certificate's key for x5c and fido-u2f.
  std::optional<key_pair> signer;

  // attStmt as a CBOR map: alg, sig, x5c as present.
  cbor::item to_cbor() const;
};

// What a relying party stores after a registration, and what the
// authenticator needs to sign assertions later.
struct credential {
  common::bytes id;
  key_pair key;
  std::string rp_id;
  common::bytes user_handle;
  std::uint32_t sign_count = 0;
  bool backup_eligible = false;
  bool backed_up = false;
};

struct registration_options {
  std::string rp_id = "localhost";
  std::string origin = "http://localhost:8080";
  common::bytes challenge{};  // empty: 32 fresh random bytes
  std::optional<bool> cross_origin = false;
  std::optional<std::string> top_origin{};
  key_type key = key_type::es256;
  std::optional<key_pair> existing_key{};  // use this key instead of a new one
  attestation_format format = attestation_format::none;
  auth_flags flags{};  // AT and ED are set to match what is written
  std::uint32_t sign_count = 0;
  std::size_t credential_id_length = 32;         // random bytes
  std::optional<common::bytes> credential_id{};  // exact bytes instead
  // nullopt: zeros for fido-u2f (as browsers report U2F keys), else the
  // default AAGUID.
  std::optional<common::bytes> aaguid{};
  std::optional<common::bytes> extensions{};  // encoded CBOR map
  common::bytes user_handle{};                // empty: 64 random bytes
  // The x5c leaf (packed_x5c, fido_u2f). Its AAGUID extension gets the
  // registration's AAGUID when `aaguid_in_certificate` and the options
  // name none.
  cert_options attestation_cert{};
  bool aaguid_in_certificate = true;
  const certificate* issuer = nullptr;  // null: test_root_ca()
};

struct registration {
  std::string rp_id;  // whose credential it is; auth_data holds its hash
  key_pair key;       // the credential key
  client_data client;
  std::string client_data_json;
  authenticator_data auth_data;
  common::bytes auth_data_bytes;
  attestation_statement statement;
  common::bytes attestation_object;
  common::bytes user_handle;  // not in the response; carried to credential

  // Members of the JSON that nothing signs.
  std::optional<std::string> id;      // nullopt: base64url(credential id)
  std::optional<std::string> raw_id;  // the same
  std::string type = "public-key";
  std::vector<std::string> transports = {"usb"};
  std::optional<std::string> authenticator_attachment = "cross-platform";
  bool include_public_key = true;  // response.publicKey (SPKI)
  nlohmann::json client_extension_results = nlohmann::json::object();

  // The credential id inside the attested credential data (empty if none).
  common::bytes credential_id() const;
  common::bytes client_data_hash() const;

  void encode_client_data();  // client -> client_data_json
  void encode_auth_data();    // auth_data -> auth_data_bytes
  void sign();                // -> statement.sig, by statement.fmt
  void encode_attestation_object();
  void rebuild();           // all four, in order
  void rebuild_unsigned();  // all but sign()

  nlohmann::json to_json() const;  // RegistrationResponseJSON
  std::string to_json_text() const;
  credential to_credential() const;
};

registration make_registration(const registration_options& options = {});

struct assertion_options {
  std::string origin = "http://localhost:8080";
  // The rpId hashed into authData; nullopt: the credential's.
  std::optional<std::string> rp_id{};
  common::bytes challenge{};  // empty: 32 fresh random bytes
  std::optional<bool> cross_origin = false;
  std::optional<std::string> top_origin{};
  // nullopt: UP and UV, with BE and BS as the credential has them.
  std::optional<auth_flags> flags{};
  // nullopt: one more than the credential's counter.
  std::optional<std::uint32_t> sign_count;
  bool include_user_handle = true;
  std::optional<common::bytes> user_handle{};  // instead of the credential's
  std::optional<common::bytes> extensions{};   // encoded CBOR map
};

struct assertion {
  std::string rp_id;  // the credential's RP (options.rp_id may differ)
  key_pair key;
  client_data client;
  std::string client_data_json;
  authenticator_data auth_data;
  common::bytes auth_data_bytes;
  common::bytes signature;
  common::bytes credential_id;
  std::optional<common::bytes> user_handle;

  std::optional<std::string> id;      // nullopt: base64url(credential_id)
  std::optional<std::string> raw_id;  // the same
  std::string type = "public-key";
  std::optional<std::string> authenticator_attachment = "cross-platform";
  nlohmann::json client_extension_results = nlohmann::json::object();

  common::bytes client_data_hash() const;

  void encode_client_data();
  void encode_auth_data();
  void sign();  // signature over auth_data_bytes || client_data_hash()
  void rebuild();
  void rebuild_unsigned();

  nlohmann::json to_json() const;  // AuthenticationResponseJSON
  std::string to_json_text() const;
};

// Signs an assertion for `cred` and stores the counter it used in
// `cred.sign_count`.
assertion make_assertion(credential& cred,
                         const assertion_options& options = {});

}  // namespace test_support
