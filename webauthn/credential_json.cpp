#include "webauthn/credential_json.hpp"

#include "common/encoding.hpp"
#include "webauthn/json_text.hpp"

namespace webauthn {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDepth = 16;

// What registration and authentication responses share.
struct credential_members {
  common::bytes id;
  std::string id_text;
  std::string type;
  std::optional<std::string> authenticator_attachment;
  json client_extension_results;
  const json* response = nullptr;
};

result<common::bytes> decode(std::string_view text) {
  if (text.size() > kCredentialJsonMaxSize)
    return errc::input_too_large;
  auto decoded = common::base64url_decode(text);
  if (!decoded)
    return errc::base64url_invalid;
  return std::move(*decoded);
}

result<common::bytes> decode_member(const json& object, std::string_view name) {
  const auto text = json_string(object, name);
  if (!text)
    return text.error();
  return decode(*text);
}

result<void> read_id(const json& value, credential_json_form form,
                     credential_members& out) {
  const auto id_text = json_string(value, "id");
  if (!id_text)
    return id_text.error();
  auto id = decode(*id_text);
  if (!id)
    return id.error();
  if (id->size() > kCredentialIdMaxSize)
    return errc::credential_id_too_long;
  const json* raw_id = json_find(value, "rawId");
  if (raw_id == nullptr && form == credential_json_form::browser)
    return errc::json_missing_member;
  if (raw_id != nullptr) {
    auto raw = decode_member(value, "rawId");
    if (!raw)
      return raw.error();
    if (*raw != *id)
      return errc::credential_id_mismatch;
  }
  out.id = std::move(*id);
  out.id_text = std::string(*id_text);
  return {};
}

result<json> read_extension_results(const json& value,
                                    credential_json_form form) {
  const json* results = json_find(value, "clientExtensionResults");
  if (form == credential_json_form::conformance) {
    const json* legacy = json_find(value, "getClientExtensionResults");
    if (results != nullptr && legacy != nullptr)
      return make_error_code(errc::json_malformed);
    if (results == nullptr)
      results = legacy;
  }
  if (results == nullptr)
    return json::object();
  if (!results->is_object())
    return make_error_code(errc::json_wrong_type);
  return *results;
}

result<credential_members> read_credential(const json& value,
                                           credential_json_form form) {
  if (!value.is_object())
    return errc::json_malformed;
  credential_members out;
  const auto type = json_string(value, "type");
  if (!type)
    return type.error();
  if (*type != "public-key")
    return errc::credential_type_invalid;
  out.type = std::string(*type);
  if (const auto r = read_id(value, form, out); !r)
    return r.error();

  out.response = json_find(value, "response");
  if (out.response == nullptr)
    return errc::json_missing_member;
  if (!out.response->is_object())
    return errc::json_wrong_type;

  if (const json* attachment = json_find(value, "authenticatorAttachment");
      attachment != nullptr && !attachment->is_null()) {
    if (!attachment->is_string())
      return errc::json_wrong_type;
    out.authenticator_attachment = attachment->get<std::string>();
  }
  auto extensions = read_extension_results(value, form);
  if (!extensions)
    return extensions.error();
  out.client_extension_results = std::move(*extensions);
  return out;
}

result<std::vector<std::string>> read_transports(const json& response) {
  std::vector<std::string> out;
  const json* transports = json_find(response, "transports");
  if (transports == nullptr)
    return out;
  if (!transports->is_array())
    return errc::json_wrong_type;
  for (const json& transport : *transports) {
    if (!transport.is_string())
      return errc::json_wrong_type;
    out.push_back(transport.get<std::string>());
  }
  return out;
}

// A user handle is absent when the member is missing, null or empty: the
// conformance tools send "" for "none".
result<std::optional<common::bytes>> read_user_handle(const json& response) {
  const json* handle = json_find(response, "userHandle");
  if (handle == nullptr || handle->is_null())
    return std::optional<common::bytes>();
  if (!handle->is_string())
    return errc::json_wrong_type;
  if (handle->get_ref<const std::string&>().empty())
    return std::optional<common::bytes>();
  auto decoded = decode(handle->get_ref<const std::string&>());
  if (!decoded)
    return decoded.error();
  return std::optional<common::bytes>(std::move(*decoded));
}

result<json> parse_text(std::string_view text) {
  if (text.size() > kCredentialJsonMaxSize)
    return make_error_code(errc::input_too_large);
  return parse_json_text(text, kMaxDepth, errc::json_malformed);
}

}  // namespace

result<registration_response> parse_registration_response(
    const json& value, credential_json_form form) {
  auto members = read_credential(value, form);
  if (!members)
    return members.error();
  const json& response = *members->response;
  auto client_data = decode_member(response, "clientDataJSON");
  if (!client_data)
    return client_data.error();
  auto attestation = decode_member(response, "attestationObject");
  if (!attestation)
    return attestation.error();
  auto transports = read_transports(response);
  if (!transports)
    return transports.error();

  registration_response out;
  out.id = std::move(members->id);
  out.id_text = std::move(members->id_text);
  out.type = std::move(members->type);
  out.client_data_json = std::move(*client_data);
  out.attestation_object = std::move(*attestation);
  out.transports = std::move(*transports);
  out.authenticator_attachment = std::move(members->authenticator_attachment);
  out.client_extension_results = std::move(members->client_extension_results);
  return out;
}

result<registration_response> parse_registration_response(
    std::string_view json_text, credential_json_form form) {
  const auto value = parse_text(json_text);
  if (!value)
    return value.error();
  return parse_registration_response(*value, form);
}

result<authentication_response> parse_authentication_response(
    const json& value, credential_json_form form) {
  auto members = read_credential(value, form);
  if (!members)
    return members.error();
  const json& response = *members->response;
  auto client_data = decode_member(response, "clientDataJSON");
  if (!client_data)
    return client_data.error();
  auto authenticator_data = decode_member(response, "authenticatorData");
  if (!authenticator_data)
    return authenticator_data.error();
  auto signature = decode_member(response, "signature");
  if (!signature)
    return signature.error();
  auto user_handle = read_user_handle(response);
  if (!user_handle)
    return user_handle.error();

  authentication_response out;
  out.id = std::move(members->id);
  out.id_text = std::move(members->id_text);
  out.type = std::move(members->type);
  out.client_data_json = std::move(*client_data);
  out.authenticator_data = std::move(*authenticator_data);
  out.signature = std::move(*signature);
  out.user_handle = std::move(*user_handle);
  out.authenticator_attachment = std::move(members->authenticator_attachment);
  out.client_extension_results = std::move(members->client_extension_results);
  return out;
}

result<authentication_response> parse_authentication_response(
    std::string_view json_text, credential_json_form form) {
  const auto value = parse_text(json_text);
  if (!value)
    return value.error();
  return parse_authentication_response(*value, form);
}

}  // namespace webauthn
