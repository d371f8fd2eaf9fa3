#include "webauthn/credential_json.hpp"

#include "common/encoding.hpp"
#include "webauthn/json_reader.hpp"

#include <boost/json/value.hpp>

namespace webauthn {
namespace {

namespace bj = boost::json;

constexpr std::size_t kMaxDepth = 16;

// What registration and authentication responses share.
struct credential_members {
  common::bytes id;
  std::string id_text;
  std::string type;
  std::optional<std::string> authenticator_attachment;
  nlohmann::json client_extension_results;
  const bj::object* response = nullptr;
};

result<common::bytes> decode(std::string_view text) {
  if (text.size() > kCredentialJsonMaxSize)
    return errc::input_too_large;
  auto decoded = common::base64url_decode(text);
  if (!decoded)
    return errc::base64url_invalid;
  return std::move(*decoded);
}

result<common::bytes> decode_member(const bj::object& object,
                                    std::string_view name) {
  const auto text = string_member(object, name);
  if (!text)
    return text.error();
  return decode(*text);
}

result<void> read_id(const bj::object& value, credential_json_form form,
                     credential_members& out) {
  const auto id_text = string_member(value, "id");
  if (!id_text)
    return id_text.error();
  auto id = decode(*id_text);
  if (!id)
    return id.error();
  if (id->size() > kCredentialIdMaxSize)
    return errc::credential_id_too_long;
  const bj::value* raw_id = find_member(value, "rawId");
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

result<nlohmann::json> read_extension_results(const bj::object& value,
                                              credential_json_form form) {
  const bj::value* results = find_member(value, "clientExtensionResults");
  if (form == credential_json_form::conformance) {
    const bj::value* legacy = find_member(value, "getClientExtensionResults");
    if (results != nullptr && legacy != nullptr)
      return make_error_code(errc::json_malformed);
    if (results == nullptr)
      results = legacy;
  }
  if (results == nullptr)
    return nlohmann::json::object();
  if (!results->is_object())
    return make_error_code(errc::json_wrong_type);
  return to_nlohmann(*results);
}

result<credential_members> read_credential(const bj::value& root,
                                           credential_json_form form) {
  const bj::object* value = root.if_object();
  if (value == nullptr)
    return errc::json_malformed;
  credential_members out;
  const auto type = string_member(*value, "type");
  if (!type)
    return type.error();
  if (*type != "public-key")
    return errc::credential_type_invalid;
  out.type = std::string(*type);
  if (const auto r = read_id(*value, form, out); !r)
    return r.error();

  const bj::value* response = find_member(*value, "response");
  if (response == nullptr)
    return errc::json_missing_member;
  out.response = response->if_object();
  if (out.response == nullptr)
    return errc::json_wrong_type;

  if (const bj::value* attachment =
          find_member(*value, "authenticatorAttachment");
      attachment != nullptr && !attachment->is_null()) {
    const bj::string* text = attachment->if_string();
    if (text == nullptr)
      return errc::json_wrong_type;
    out.authenticator_attachment = std::string(*text);
  }
  auto extensions = read_extension_results(*value, form);
  if (!extensions)
    return extensions.error();
  out.client_extension_results = std::move(*extensions);
  return out;
}

result<std::vector<std::string>> read_transports(const bj::object& response) {
  std::vector<std::string> out;
  const bj::value* transports = find_member(response, "transports");
  if (transports == nullptr)
    return out;
  const bj::array* list = transports->if_array();
  if (list == nullptr)
    return errc::json_wrong_type;
  for (const bj::value& transport : *list) {
    const bj::string* text = transport.if_string();
    if (text == nullptr)
      return errc::json_wrong_type;
    out.emplace_back(*text);
  }
  return out;
}

// A user handle is absent when the member is missing, null or empty: the
// conformance tools send "" for "none".
result<std::optional<common::bytes>> read_user_handle(
    const bj::object& response) {
  const bj::value* handle = find_member(response, "userHandle");
  if (handle == nullptr || handle->is_null())
    return std::optional<common::bytes>();
  const bj::string* text = handle->if_string();
  if (text == nullptr)
    return errc::json_wrong_type;
  if (text->empty())
    return std::optional<common::bytes>();
  auto decoded = decode(std::string_view(text->data(), text->size()));
  if (!decoded)
    return decoded.error();
  return std::optional<common::bytes>(std::move(*decoded));
}

result<bj::value> parse_text(std::string_view text) {
  if (text.size() > kCredentialJsonMaxSize)
    return make_error_code(errc::input_too_large);
  return read_json(text, kMaxDepth, errc::json_malformed);
}

// A value the caller parsed already is read through the same text path,
// so that there is one reader of each member. Strings that are not UTF-8
// come out with U+FFFD: a binary member then fails as base64url, the type
// as not "public-key", and the attachment is only ever a hint.
std::string text_of(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

result<registration_response> registration_from(const bj::value& value,
                                                credential_json_form form) {
  auto members = read_credential(value, form);
  if (!members)
    return members.error();
  const bj::object& response = *members->response;
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

result<authentication_response> authentication_from(const bj::value& value,
                                                    credential_json_form form) {
  auto members = read_credential(value, form);
  if (!members)
    return members.error();
  const bj::object& response = *members->response;
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

}  // namespace

result<registration_response> parse_registration_response(
    std::string_view json_text, credential_json_form form) {
  const auto value = parse_text(json_text);
  if (!value)
    return value.error();
  return registration_from(*value, form);
}

result<registration_response> parse_registration_response(
    const nlohmann::json& value, credential_json_form form) {
  return parse_registration_response(std::string_view(text_of(value)), form);
}

result<authentication_response> parse_authentication_response(
    std::string_view json_text, credential_json_form form) {
  const auto value = parse_text(json_text);
  if (!value)
    return value.error();
  return authentication_from(*value, form);
}

result<authentication_response> parse_authentication_response(
    const nlohmann::json& value, credential_json_form form) {
  return parse_authentication_response(std::string_view(text_of(value)), form);
}

}  // namespace webauthn
