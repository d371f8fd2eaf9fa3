// The credential a browser posts back, as JSON: the result of
// `PublicKeyCredential.toJSON()` (WebAuthn Level 3, RegistrationResponseJSON
// and AuthenticationResponseJSON), or the same shape as the FIDO
// conformance-testing server API sends it.
//
// The two forms differ in two places: the conformance form may omit
// `rawId`, and may carry the extension outputs as
// `getClientExtensionResults` instead of `clientExtensionResults`. Binary
// members are unpadded base64url. Members not named here are ignored.
// Nothing here is verified yet: this is the first, shape-only step of a
// ceremony.
//
// Thread-safe; pure functions.
#pragma once

#include "common/bytes.hpp"
#include "webauthn/error.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace webauthn {

// A credential JSON text larger than this is refused before parsing.
inline constexpr std::size_t kCredentialJsonMaxSize = 64 * 1024;

// The longest credential id WebAuthn allows, in bytes.
inline constexpr std::size_t kCredentialIdMaxSize = 1023;

enum class credential_json_form {
  browser,      // toJSON(): rawId required
  conformance,  // FIDO conformance server API
};

struct registration_response {
  common::bytes id;     // decoded
  std::string id_text;  // as sent, base64url
  std::string type;
  common::bytes client_data_json;
  common::bytes attestation_object;
  std::vector<std::string> transports;  // hints only, never policy
  std::optional<std::string> authenticator_attachment;
  nlohmann::json client_extension_results;  // an object; empty when absent
};

struct authentication_response {
  common::bytes id;
  std::string id_text;
  std::string type;
  common::bytes client_data_json;
  common::bytes authenticator_data;
  common::bytes signature;
  std::optional<common::bytes> user_handle;  // absent, null or ""
  std::optional<std::string> authenticator_attachment;
  nlohmann::json client_extension_results;
};

// Each parser fails with
// - input_too_large when the text exceeds kCredentialJsonMaxSize, or a
//   base64url member of an already-parsed value does,
// - json_malformed when the text is not JSON, nests more than 16 deep,
//   repeats a member name, or is not an object,
// - json_missing_member / json_wrong_type for required or typed members,
// - base64url_invalid when a binary member is not canonical base64url,
// - credential_type_invalid when type is not "public-key",
// - credential_id_mismatch when id and rawId decode to different bytes,
// - credential_id_too_long beyond kCredentialIdMaxSize bytes.
// The overloads taking a parsed nlohmann::json read it as its text, so the
// size and nesting limits hold for them too.
result<registration_response> parse_registration_response(
    std::string_view json,
    credential_json_form form = credential_json_form::browser);
result<registration_response> parse_registration_response(
    const nlohmann::json& value,
    credential_json_form form = credential_json_form::browser);

result<authentication_response> parse_authentication_response(
    std::string_view json,
    credential_json_form form = credential_json_form::browser);
result<authentication_response> parse_authentication_response(
    const nlohmann::json& value,
    credential_json_form form = credential_json_form::browser);

// nlohmann::json converts implicitly from text, so text arguments need
// exact overloads to mean "parse this" rather than "a JSON string".
inline result<registration_response> parse_registration_response(
    const std::string& json,
    credential_json_form form = credential_json_form::browser) {
  return parse_registration_response(std::string_view(json), form);
}
inline result<registration_response> parse_registration_response(
    const char* json,
    credential_json_form form = credential_json_form::browser) {
  return parse_registration_response(std::string_view(json), form);
}
inline result<authentication_response> parse_authentication_response(
    const std::string& json,
    credential_json_form form = credential_json_form::browser) {
  return parse_authentication_response(std::string_view(json), form);
}
inline result<authentication_response> parse_authentication_response(
    const char* json,
    credential_json_form form = credential_json_form::browser) {
  return parse_authentication_response(std::string_view(json), form);
}

}  // namespace webauthn
