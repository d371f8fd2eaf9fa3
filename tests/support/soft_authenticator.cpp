#include "tests/support/soft_authenticator.hpp"

#include <stdexcept>

#include "common/crypto.hpp"
#include "common/encoding.hpp"

namespace test_support {
namespace {

void append(common::bytes& out, common::byte_view data) {
  out.insert(out.end(), data.begin(), data.end());
}

void append_big_endian(common::bytes& out, std::uint64_t value, int size) {
  for (int shift = (size - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

common::bytes concat(common::byte_view a, common::byte_view b) {
  common::bytes out(a.begin(), a.end());
  append(out, b);
  return out;
}

common::bytes random_or(const common::bytes& given, std::size_t size) {
  return given.empty() ? common::random_bytes(size).value() : given;
}

std::string json_string(std::string_view text) {
  return nlohmann::json(std::string(text)).dump();
}

std::string b64(common::byte_view data) {
  return common::base64url_encode(data);
}

// 0x04 || x || y from the EC2 COSE key written in the authenticator data,
// so a test that swaps the key there signs over the swapped key.
common::bytes u2f_public_point(const common::bytes& cose_bytes) {
  const auto cose = cbor::decode(cose_bytes);
  const auto x =
      cose ? cbor::bytes_of(cbor::find(cose->get(), -2)) : std::nullopt;
  const auto y =
      cose ? cbor::bytes_of(cbor::find(cose->get(), -3)) : std::nullopt;
  if (!x || !y) {
    throw std::invalid_argument("fido-u2f needs an EC2 credential key");
  }
  common::bytes point = {0x04};
  append(point, *x);
  append(point, *y);
  return point;
}

attestation_statement make_statement(const registration_options& options,
                                     const key_pair& credential_key,
                                     const common::bytes& aaguid) {
  attestation_statement st;
  if (options.format == attestation_format::none) {
    return st;
  }
  if (options.format == attestation_format::packed_self) {
    st.fmt = "packed";
    st.alg = credential_key.alg;
    st.signer = credential_key;
    return st;
  }
  cert_options cert = options.attestation_cert;
  if (!cert.aaguid && options.aaguid_in_certificate &&
      options.format == attestation_format::packed_x5c) {
    cert.aaguid = aaguid;
  }
  const certificate leaf = make_attestation_cert(
      options.issuer ? *options.issuer : test_root_ca(), cert);
  st.fmt =
      options.format == attestation_format::fido_u2f ? "fido-u2f" : "packed";
  if (st.fmt == "packed") {
    st.alg = leaf.key.alg;
  }
  st.x5c = {leaf.der};
  st.signer = leaf.key;
  return st;
}

}  // namespace

common::bytes default_aaguid() {
  // "latchkey-soft-v1" in ASCII: easy to spot in a hex dump.
  return common::to_bytes("latchkey-soft-v1");
}

std::uint8_t auth_flags::to_byte() const noexcept {
  return static_cast<std::uint8_t>(
      (up ? 0x01 : 0) | (uv ? 0x04 : 0) | (be ? 0x08 : 0) | (bs ? 0x10 : 0) |
      (at ? 0x40 : 0) | (ed ? 0x80 : 0) | reserved);
}

common::bytes authenticator_data::encode() const {
  common::bytes out = rp_id_hash;
  out.push_back(flags.to_byte());
  append_big_endian(out, sign_count, 4);
  if (attested) {
    append(out, attested->aaguid);
    const std::size_t length = attested->declared_id_length.value_or(
        static_cast<std::uint16_t>(attested->credential_id.size()));
    append_big_endian(out, length, 2);
    append(out, attested->credential_id);
    append(out, attested->cose_key);
  }
  if (extensions) {
    append(out, *extensions);
  }
  append(out, trailing);
  return out;
}

std::string client_data::to_json() const {
  std::string out = "{\"type\":" + json_string(type) +
                    ",\"challenge\":" + json_string(challenge) +
                    ",\"origin\":" + json_string(origin);
  if (cross_origin) {
    out +=
        std::string(",\"crossOrigin\":") + (*cross_origin ? "true" : "false");
  }
  if (top_origin) {
    out += ",\"topOrigin\":" + json_string(*top_origin);
  }
  for (const auto& [name, value] : extra.items()) {
    out += "," + json_string(name) + ":" + value.dump();
  }
  return out + "}";
}

cbor::item attestation_statement::to_cbor() const {
  auto m = cbor::map((alg ? 1 : 0) + (sig ? 1 : 0) + (x5c.empty() ? 0 : 1));
  if (alg) {
    cbor::put(m, cbor::text("alg"), cbor::integer(*alg));
  }
  if (sig) {
    cbor::put(m, cbor::text("sig"), cbor::byte_string(*sig));
  }
  if (!x5c.empty()) {
    auto chain = cbor::array(x5c.size());
    for (const auto& cert : x5c) {
      cbor::push(chain, cbor::byte_string(cert));
    }
    cbor::put(m, cbor::text("x5c"), std::move(chain));
  }
  return m;
}

common::bytes registration::credential_id() const {
  return auth_data.attested ? auth_data.attested->credential_id
                            : common::bytes{};
}

common::bytes registration::client_data_hash() const {
  return sha256(common::as_bytes(client_data_json));
}

void registration::encode_client_data() {
  client_data_json = client.to_json();
}

void registration::encode_auth_data() {
  auth_data_bytes = auth_data.encode();
}

void registration::sign() {
  if (!statement.signer) {
    return;
  }
  const common::bytes hash = client_data_hash();
  if (statement.fmt == "fido-u2f") {
    // FIDO U2F raw message formats, section 4.3: the registration
    // response signs over these five pieces.
    common::bytes message = {0x00};
    append(message, auth_data.rp_id_hash);
    append(message, hash);
    if (auth_data.attested) {
      append(message, auth_data.attested->credential_id);
      append(message, u2f_public_point(auth_data.attested->cose_key));
    }
    statement.sig = statement.signer->sign(message);
    return;
  }
  statement.sig = statement.signer->sign(concat(auth_data_bytes, hash));
}

void registration::encode_attestation_object() {
  const auto m = cbor::map(3);
  cbor::put(m, cbor::text("fmt"), cbor::text(statement.fmt));
  cbor::put(m, cbor::text("attStmt"), statement.to_cbor());
  cbor::put(m, cbor::text("authData"), cbor::byte_string(auth_data_bytes));
  attestation_object = cbor::encode(m);
}

void registration::rebuild() {
  encode_client_data();
  encode_auth_data();
  sign();
  encode_attestation_object();
}

void registration::rebuild_unsigned() {
  encode_client_data();
  encode_auth_data();
  encode_attestation_object();
}

nlohmann::json registration::to_json() const {
  const std::string encoded_id = b64(credential_id());
  nlohmann::json response = {
      {"clientDataJSON", b64(common::as_bytes(client_data_json))},
      {"attestationObject", b64(attestation_object)},
      {"authenticatorData", b64(auth_data_bytes)},
      {"transports", transports},
      {"publicKeyAlgorithm", key.alg},
  };
  if (include_public_key) {
    response["publicKey"] = b64(key.spki_der());
  }
  nlohmann::json out = {
      {"id", id.value_or(encoded_id)},
      {"rawId", raw_id.value_or(encoded_id)},
      {"type", type},
      {"response", std::move(response)},
      {"clientExtensionResults", client_extension_results},
  };
  if (authenticator_attachment) {
    out["authenticatorAttachment"] = *authenticator_attachment;
  }
  return out;
}

std::string registration::to_json_text() const {
  return to_json().dump();
}

credential registration::to_credential() const {
  return {credential_id(),
          key,
          rp_id,
          user_handle,
          auth_data.sign_count,
          auth_data.flags.be,
          auth_data.flags.bs};
}

registration make_registration(const registration_options& options) {
  registration reg;
  reg.rp_id = options.rp_id;
  reg.key =
      options.existing_key ? *options.existing_key : make_key(options.key);
  reg.user_handle = random_or(options.user_handle, 64);
  reg.client = {"webauthn.create",  b64(random_or(options.challenge, 32)),
                options.origin,     options.cross_origin,
                options.top_origin, nlohmann::ordered_json::object()};
  const common::bytes aaguid = options.aaguid.value_or(
      options.format == attestation_format::fido_u2f ? common::bytes(16, 0)
                                                     : default_aaguid());
  auto& data = reg.auth_data;
  data.rp_id_hash = sha256(common::as_bytes(options.rp_id));
  data.flags = options.flags;
  data.flags.at = true;
  data.flags.ed = options.extensions.has_value();
  data.sign_count = options.sign_count;
  data.attested = attested_credential{
      aaguid,
      options.credential_id.value_or(
          common::random_bytes(options.credential_id_length).value()),
      reg.key.cose_bytes(), std::nullopt};
  data.extensions = options.extensions;
  reg.statement = make_statement(options, reg.key, aaguid);
  reg.rebuild();
  return reg;
}

common::bytes assertion::client_data_hash() const {
  return sha256(common::as_bytes(client_data_json));
}

void assertion::encode_client_data() {
  client_data_json = client.to_json();
}

void assertion::encode_auth_data() {
  auth_data_bytes = auth_data.encode();
}

void assertion::sign() {
  signature = key.sign(concat(auth_data_bytes, client_data_hash()));
}

void assertion::rebuild() {
  encode_client_data();
  encode_auth_data();
  sign();
}

void assertion::rebuild_unsigned() {
  encode_client_data();
  encode_auth_data();
}

nlohmann::json assertion::to_json() const {
  const std::string encoded_id = b64(credential_id);
  nlohmann::json response = {
      {"clientDataJSON", b64(common::as_bytes(client_data_json))},
      {"authenticatorData", b64(auth_data_bytes)},
      {"signature", b64(signature)},
  };
  if (user_handle) {
    response["userHandle"] = b64(*user_handle);
  }
  nlohmann::json out = {
      {"id", id.value_or(encoded_id)},
      {"rawId", raw_id.value_or(encoded_id)},
      {"type", type},
      {"response", std::move(response)},
      {"clientExtensionResults", client_extension_results},
  };
  if (authenticator_attachment) {
    out["authenticatorAttachment"] = *authenticator_attachment;
  }
  return out;
}

std::string assertion::to_json_text() const {
  return to_json().dump();
}

assertion make_assertion(credential& cred, const assertion_options& options) {
  assertion a;
  a.rp_id = cred.rp_id;
  a.key = cred.key;
  a.credential_id = cred.id;
  a.client = {"webauthn.get",     b64(random_or(options.challenge, 32)),
              options.origin,     options.cross_origin,
              options.top_origin, nlohmann::ordered_json::object()};
  auth_flags flags;
  flags.be = cred.backup_eligible;
  flags.bs = cred.backed_up;
  a.auth_data.rp_id_hash =
      sha256(common::as_bytes(options.rp_id.value_or(cred.rp_id)));
  a.auth_data.flags = options.flags.value_or(flags);
  a.auth_data.flags.ed = options.extensions.has_value();
  cred.sign_count = options.sign_count.value_or(cred.sign_count + 1);
  a.auth_data.sign_count = cred.sign_count;
  a.auth_data.extensions = options.extensions;
  if (options.include_user_handle) {
    a.user_handle = options.user_handle.value_or(cred.user_handle);
  }
  a.rebuild();
  return a;
}

}  // namespace test_support
