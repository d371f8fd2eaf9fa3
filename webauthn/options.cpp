#include "webauthn/options.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace webauthn {
namespace {

using nlohmann::json;

// The checks both kinds of options share. The timeout is sent as a WebIDL
// unsigned long, so it must fit in 32 bits.
result<void> check_common(const relying_party* rp, std::size_t challenge_size,
                          std::chrono::milliseconds timeout) {
  if (rp == nullptr)
    return errc::relying_party_missing;
  if (challenge_size < kMinChallengeSize)
    return errc::challenge_too_short;
  if (timeout.count() <= 0 ||
      timeout.count() > std::numeric_limits<std::uint32_t>::max()) {
    return errc::timeout_out_of_range;
  }
  return {};
}

result<void> check_descriptors(const std::vector<credential_descriptor>& list) {
  for (const credential_descriptor& descriptor : list) {
    if (descriptor.id.size() > kCredentialIdMaxSize)
      return errc::credential_id_too_long;
  }
  return {};
}

// An algorithm Latchkey cannot verify must never be offered: a credential
// made with it could never sign in.
result<void> check_algorithms(const std::vector<cose_algorithm>& algorithms) {
  for (const cose_algorithm alg : algorithms) {
    if (std::find(std::begin(kSupportedAlgorithms),
                  std::end(kSupportedAlgorithms),
                  alg) == std::end(kSupportedAlgorithms)) {
      return errc::cose_key_algorithm_unsupported;
    }
  }
  return {};
}

// Sent unsigned, as the IDL declares it; check_common() bounded it.
std::uint32_t timeout_ms(std::chrono::milliseconds timeout) {
  return static_cast<std::uint32_t>(timeout.count());
}

std::string encode(common::byte_view data) {
  return common::base64url_encode(data);
}

// PublicKeyCredentialDescriptorJSON. Transports are left out when none are
// known, which tells the client to try them all.
json descriptors_json(const std::vector<credential_descriptor>& list) {
  json out = json::array();
  for (const credential_descriptor& descriptor : list) {
    json item = {{"type", "public-key"}, {"id", encode(descriptor.id)}};
    if (!descriptor.transports.empty())
      item["transports"] = descriptor.transports;
    out.push_back(std::move(item));
  }
  return out;
}

json hints_json(const std::vector<credential_hint>& hints) {
  json out = json::array();
  for (const credential_hint hint : hints)
    out.push_back(to_string(hint));
  return out;
}

json algorithms_json(const std::vector<cose_algorithm>& algorithms) {
  json out = json::array();
  for (const cose_algorithm alg : algorithms) {
    out.push_back({{"type", "public-key"}, {"alg", static_cast<int>(alg)}});
  }
  return out;
}

// requireResidentKey is the Level 1 spelling of residentKey; clients that
// only know it still get the same request.
json selection_json(const creation_options_input& input) {
  json out = {
      {"residentKey", to_string(input.resident_key)},
      {"requireResidentKey",
       input.resident_key == resident_key_requirement::required},
      {"userVerification", to_string(input.uv)},
  };
  if (input.attachment)
    out["authenticatorAttachment"] = to_string(*input.attachment);
  return out;
}

json creation_json(const creation_options_input& input,
                   const creation_options& options) {
  json out = {
      {"rp", {{"id", input.rp->id}, {"name", input.rp_name}}},
      {"user",
       {{"id", encode(options.user_handle)},
        {"name", input.user.name},
        {"displayName", input.user.display_name}}},
      {"challenge", encode(options.challenge)},
      {"pubKeyCredParams", algorithms_json(options.algorithms)},
      {"timeout", timeout_ms(input.timeout)},
      {"excludeCredentials", descriptors_json(input.exclude)},
      {"authenticatorSelection", selection_json(input)},
      {"attestation", to_string(input.attestation)},
  };
  if (!input.hints.empty())
    out["hints"] = hints_json(input.hints);
  if (input.cred_props)
    out["extensions"] = {{"credProps", true}};
  return out;
}

}  // namespace

std::string_view to_string(resident_key_requirement rk) noexcept {
  switch (rk) {
    case resident_key_requirement::discouraged:
      return "discouraged";
    case resident_key_requirement::preferred:
      return "preferred";
    case resident_key_requirement::required:
      return "required";
  }
  return "preferred";
}

std::string_view to_string(authenticator_attachment a) noexcept {
  switch (a) {
    case authenticator_attachment::platform:
      return "platform";
    case authenticator_attachment::cross_platform:
      return "cross-platform";
  }
  return "cross-platform";
}

std::string_view to_string(attestation_conveyance c) noexcept {
  switch (c) {
    case attestation_conveyance::none:
      return "none";
    case attestation_conveyance::indirect:
      return "indirect";
    case attestation_conveyance::direct:
      return "direct";
    case attestation_conveyance::enterprise:
      return "enterprise";
  }
  return "none";
}

std::string_view to_string(credential_hint h) noexcept {
  switch (h) {
    case credential_hint::security_key:
      return "security-key";
    case credential_hint::client_device:
      return "client-device";
    case credential_hint::hybrid:
      return "hybrid";
  }
  return "security-key";
}

result<creation_options> make_creation_options(
    const creation_options_input& input) {
  if (auto ok = check_common(input.rp, input.challenge_size, input.timeout);
      !ok) {
    return ok.error();
  }
  if (input.user.handle.size() > kUserHandleSize)
    return errc::user_handle_too_long;
  if (auto ok = check_algorithms(input.algorithms); !ok)
    return ok.error();
  if (auto ok = check_descriptors(input.exclude); !ok)
    return ok.error();

  creation_options options;
  options.rp = input.rp;
  options.uv = input.uv;
  options.algorithms = input.algorithms;
  if (options.algorithms.empty()) {
    options.algorithms.assign(std::begin(kDefaultAlgorithms),
                              std::end(kDefaultAlgorithms));
  }
  auto challenge = common::random_bytes(input.challenge_size);
  if (!challenge)
    return challenge.error();
  options.challenge = std::move(*challenge);
  options.user_handle = input.user.handle;
  if (options.user_handle.empty()) {
    auto handle = common::random_bytes(kUserHandleSize);
    if (!handle)
      return handle.error();
    options.user_handle = std::move(*handle);
  }
  options.json = creation_json(input, options);
  return options;
}

result<request_options> make_request_options(
    const request_options_input& input) {
  if (auto ok = check_common(input.rp, input.challenge_size, input.timeout);
      !ok) {
    return ok.error();
  }
  if (auto ok = check_descriptors(input.allow); !ok)
    return ok.error();

  request_options options;
  options.rp = input.rp;
  options.uv = input.uv;
  options.user_handle = input.user_handle;
  for (const credential_descriptor& descriptor : input.allow)
    options.allowed_credentials.push_back(descriptor.id);
  auto challenge = common::random_bytes(input.challenge_size);
  if (!challenge)
    return challenge.error();
  options.challenge = std::move(*challenge);

  options.json = {
      {"rpId", input.rp->id},
      {"challenge", encode(options.challenge)},
      {"timeout", timeout_ms(input.timeout)},
      {"allowCredentials", descriptors_json(input.allow)},
      {"userVerification", to_string(input.uv)},
  };
  if (!input.hints.empty())
    options.json["hints"] = hints_json(input.hints);
  return options;
}

registration_expectation expectation_for(
    const creation_options& options,
    std::function<bool(common::byte_view credential_id)> is_registered,
    const trust_store* trust, common::time_point now) {
  registration_expectation expect;
  expect.rp = options.rp;
  expect.challenge = options.challenge;
  expect.uv = options.uv;
  expect.algorithms = options.algorithms;
  expect.is_registered = std::move(is_registered);
  expect.trust = trust;
  expect.now = now;
  return expect;
}

authentication_expectation expectation_for(const request_options& options) {
  authentication_expectation expect;
  expect.rp = options.rp;
  expect.challenge = options.challenge;
  expect.uv = options.uv;
  expect.allowed_credentials = options.allowed_credentials;
  expect.user_handle = options.user_handle;
  return expect;
}

}  // namespace webauthn
