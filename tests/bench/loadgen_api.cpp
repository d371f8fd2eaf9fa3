#include "tests/bench/loadgen_api.hpp"

#include "common/encoding.hpp"

#include <string_view>

namespace loadgen {
namespace {

using json = nlohmann::json;

// The account API of `latchkey serve` (server/account_routes.cpp).
namespace latchkey_api {
constexpr std::string_view sign_up_options = "/api/v1/signup/options";
constexpr std::string_view sign_up_result = "/api/v1/signup/result";
constexpr std::string_view sign_in_options = "/api/v1/signin/options";
constexpr std::string_view sign_in_result = "/api/v1/signin/result";
constexpr unsigned options_status = 200;
constexpr unsigned sign_up_status = 201;
constexpr unsigned sign_in_status = 200;
constexpr std::string_view handle_member = "ceremony";
constexpr std::string_view options_member = "publicKey";
constexpr std::string_view credential_member = "credential";
}  // namespace latchkey_api

// How much of an unexpected answer's body an error line shows.
constexpr std::size_t kBodyShown = 240;

json parse_object(const answer& got) {
  json body = json::parse(got.body, nullptr, false);
  return body.is_object() ? body : json();
}

outcome<common::bytes> decode_member(const json& object,
                                     std::string_view name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string())
    return failure{std::string(name) + " is missing"};
  auto decoded = common::base64url_decode(it->get_ref<const std::string&>());
  if (!decoded)
    return failure{std::string(name) + " is not base64url"};
  return std::move(*decoded);
}

// PublicKeyCredentialCreationOptionsJSON or ...RequestOptionsJSON, as far
// as the authenticator needs them.
outcome<challenge> read_public_key_options(ceremony kind, const json& o) {
  challenge out;
  auto bytes = decode_member(o, "challenge");
  if (!bytes)
    return bytes.error();
  out.bytes = std::move(*bytes);
  if (kind == ceremony::sign_in) {
    if (const auto it = o.find("rpId"); it != o.end() && it->is_string())
      out.rp_id = it->get<std::string>();
    return out;
  }
  const auto rp = o.find("rp");
  if (rp != o.end() && rp->is_object()) {
    if (const auto id = rp->find("id"); id != rp->end() && id->is_string())
      out.rp_id = id->get<std::string>();
  }
  const auto user = o.find("user");
  if (user == o.end() || !user->is_object())
    return failure{"user is missing"};
  auto handle = decode_member(*user, "id");
  if (!handle)
    return failure{"user." + handle.error().what};
  out.user_handle = std::move(*handle);
  return out;
}

// Copies the named members of `from` that are present.
json pick(const json& from, std::initializer_list<std::string_view> names) {
  json out = json::object();
  for (const auto name : names) {
    if (const auto it = from.find(name); it != from.end())
      out[std::string(name)] = *it;
  }
  return out;
}

// The FIDO Alliance conformance-testing server API: the options members
// at the top level beside {"status", "errorMessage"}, a cookie tying the
// result to its options.
class conformance final : public api {
 public:
  request options_request(ceremony kind, const user_name& user) const final {
    if (kind == ceremony::sign_up) {
      const json body = {
          {"username", user.name},
          {"displayName", user.display_name},
          {"authenticatorSelection",
           {{"residentKey", "preferred"}, {"userVerification", "preferred"}}},
          {"attestation", "none"}};
      return {"/attestation/options", body.dump()};
    }
    const json body = {{"username", user.name},
                       {"userVerification", "preferred"}};
    return {"/assertion/options", body.dump()};
  }

  outcome<challenge> read_options(ceremony kind,
                                  const answer& got) const final {
    if (auto ok = check_status_ok(got); !ok)
      return ok.error();
    return read_public_key_options(kind, parse_object(got));
  }

  // ServerPublicKeyCredential: toJSON()'s members under the names the
  // conformance API gives them, and nothing else.
  request result_request(ceremony kind, const challenge&,
                         const json& credential) const final {
    json body = pick(credential, {"id", "rawId", "type"});
    const json& response = credential.at("response");
    body["response"] =
        kind == ceremony::sign_up
            ? pick(response, {"clientDataJSON", "attestationObject"})
            : pick(response, {"authenticatorData", "clientDataJSON",
                              "signature", "userHandle"});
    body["getClientExtensionResults"] =
        credential.value("clientExtensionResults", json::object());
    const char* path =
        kind == ceremony::sign_up ? "/attestation/result" : "/assertion/result";
    return {path, body.dump()};
  }

  outcome<void> check_result(ceremony, const answer& got) const final {
    return check_status_ok(got);
  }

 private:
  static outcome<void> check_status_ok(const answer& got) {
    const json body = parse_object(got);
    if (got.status != 200 || !body.is_object() ||
        body.value("status", "") != "ok") {
      return failure{describe(got)};
    }
    return {};
  }
};

// Latchkey's account API: {"ceremony", "publicKey"} out, {"ceremony",
// "credential"} back, success told by the status alone.
class latchkey final : public api {
 public:
  request options_request(ceremony kind, const user_name& user) const final {
    if (kind == ceremony::sign_up) {
      const json body = {{"username", user.name},
                         {"displayName", user.display_name}};
      return {std::string(latchkey_api::sign_up_options), body.dump()};
    }
    const json body = {{"username", user.name}};
    return {std::string(latchkey_api::sign_in_options), body.dump()};
  }

  outcome<challenge> read_options(ceremony kind,
                                  const answer& got) const final {
    const json body = parse_object(got);
    if (got.status != latchkey_api::options_status || !body.is_object())
      return failure{describe(got)};
    const auto options = body.find(latchkey_api::options_member);
    const auto handle = body.find(latchkey_api::handle_member);
    if (options == body.end() || !options->is_object() ||
        handle == body.end()) {
      return failure{"no " + std::string(latchkey_api::options_member) +
                     " or " + std::string(latchkey_api::handle_member) +
                     " in " + describe(got)};
    }
    auto out = read_public_key_options(kind, *options);
    if (out)
      out->handle = *handle;
    return out;
  }

  request result_request(ceremony kind, const challenge& options,
                         const json& credential) const final {
    const json body = {
        {std::string(latchkey_api::handle_member), options.handle},
        {std::string(latchkey_api::credential_member), credential}};
    const auto path = kind == ceremony::sign_up ? latchkey_api::sign_up_result
                                                : latchkey_api::sign_in_result;
    return {std::string(path), body.dump()};
  }

  outcome<void> check_result(ceremony kind, const answer& got) const final {
    const unsigned expected = kind == ceremony::sign_up
                                  ? latchkey_api::sign_up_status
                                  : latchkey_api::sign_in_status;
    if (got.status != expected)
      return failure{describe(got)};
    return {};
  }
};

}  // namespace

std::unique_ptr<const api> make_api(api_kind kind) {
  if (kind == api_kind::latchkey)
    return std::make_unique<latchkey>();
  return std::make_unique<conformance>();
}

std::string describe(const answer& got) {
  if (got.status == 0)
    return "no answer (" + got.body + ")";
  std::string out = std::to_string(got.status) + " ";
  out += got.body.substr(0, kBodyShown);
  if (got.body.size() > kBodyShown)
    out += "...";
  return out;
}

}  // namespace loadgen
