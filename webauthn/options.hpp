// The options a relying party sends to start a ceremony, in the WebAuthn
// Level 3 JSON form (PublicKeyCredentialCreationOptionsJSON and
// PublicKeyCredentialRequestOptionsJSON), so that a page can hand them to
// PublicKeyCredential.parseCreationOptionsFromJSON() or
// parseRequestOptionsFromJSON() unchanged.
//
// Each options value also keeps what its verification must check (the
// challenge, the user verification requirement, the algorithms offered,
// the credentials allowed), and expectation_for() turns it into the
// registration or authentication expectation. Building both from one value
// keeps what was sent and what is checked from drifting apart.
//
// Thread-safe: pure, apart from drawing random bytes from OpenSSL's CSPRNG
// (itself thread-safe). No I/O, no clock.
#pragma once

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "webauthn/authentication.hpp"
#include "webauthn/ceremony.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/error.hpp"
#include "webauthn/registration.hpp"
#include "webauthn/trust.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace webauthn {

// The shortest challenge Latchkey issues, in bytes (DESIGN.md: at least
// 32 bytes from the CSPRNG).
inline constexpr std::size_t kMinChallengeSize = 32;

// The size of a user handle Latchkey makes, and the most the spec allows.
inline constexpr std::size_t kUserHandleSize = 64;

// How long a page may wait for the user, unless configured otherwise; the
// same as the default expiry of ceremony state.
inline constexpr std::chrono::milliseconds kDefaultCeremonyTimeout =
    std::chrono::minutes(5);

// ResidentKeyRequirement.
enum class resident_key_requirement { discouraged, preferred, required };

// AuthenticatorAttachment.
enum class authenticator_attachment { platform, cross_platform };

// AttestationConveyancePreference.
enum class attestation_conveyance { none, indirect, direct, enterprise };

// PublicKeyCredentialHint.
enum class credential_hint { security_key, client_device, hybrid };

// The spec's strings: "required", "cross-platform", "enterprise",
// "security-key", ...
std::string_view to_string(resident_key_requirement rk) noexcept;
std::string_view to_string(authenticator_attachment a) noexcept;
std::string_view to_string(attestation_conveyance c) noexcept;
std::string_view to_string(credential_hint h) noexcept;

// A credential named in excludeCredentials or allowCredentials. The
// transports are those the client reported at registration; they are
// passed on unchanged, since clients ignore values they do not know.
struct credential_descriptor {
  common::bytes id;
  std::vector<std::string> transports;
};

struct user_entity {
  common::bytes handle;  // empty: kUserHandleSize fresh random bytes
  std::string name;      // such as an e-mail address or account name
  std::string display_name;
};

struct creation_options_input {
  const relying_party* rp = nullptr;  // required; its id is rp.id
  std::string rp_name;                // shown to the user
  user_entity user;
  // The pubKeyCredParams, most preferred first; empty: kDefaultAlgorithms.
  std::vector<cose_algorithm> algorithms;
  std::chrono::milliseconds timeout = kDefaultCeremonyTimeout;
  // The user's credentials, so that an authenticator that already holds
  // one does not register a second.
  std::vector<credential_descriptor> exclude;
  resident_key_requirement resident_key = resident_key_requirement::preferred;
  user_verification uv = user_verification::preferred;
  std::optional<authenticator_attachment> attachment;
  attestation_conveyance attestation = attestation_conveyance::none;
  std::vector<credential_hint> hints;
  bool cred_props = true;  // ask the client whether the key is discoverable
  std::size_t challenge_size = kMinChallengeSize;
};

// The options to send, and what the registration must then match.
struct creation_options {
  const relying_party* rp = nullptr;
  common::bytes challenge;
  common::bytes user_handle;
  user_verification uv = user_verification::preferred;
  std::vector<cose_algorithm> algorithms;  // as offered, in order
  nlohmann::json json;  // PublicKeyCredentialCreationOptionsJSON
};

struct request_options_input {
  const relying_party* rp = nullptr;  // required; sent as rpId
  std::chrono::milliseconds timeout = kDefaultCeremonyTimeout;
  // The user's credentials; empty for a discoverable (usernameless)
  // sign-in, where the authenticator chooses.
  std::vector<credential_descriptor> allow;
  // The user the sign-in is for, when known: the assertion's credential
  // must then be theirs. Not sent to the client.
  std::optional<common::bytes> user_handle;
  user_verification uv = user_verification::preferred;
  std::vector<credential_hint> hints;
  std::size_t challenge_size = kMinChallengeSize;
};

// The options to send, and what the assertion must then match.
struct request_options {
  const relying_party* rp = nullptr;
  common::bytes challenge;
  user_verification uv = user_verification::preferred;
  std::vector<common::bytes> allowed_credentials;  // the ids of `allow`
  std::optional<common::bytes> user_handle;
  nlohmann::json json;  // PublicKeyCredentialRequestOptionsJSON
};

// Draws the challenge (and the user handle when none is given) and builds
// the creation options. Fails with
// - relying_party_missing: input.rp is null,
// - challenge_too_short: challenge_size below kMinChallengeSize,
// - user_handle_too_long: a given handle longer than kUserHandleSize,
// - timeout_out_of_range: not positive, or more than 2^32 - 1 ms,
// - cose_key_algorithm_unsupported: an algorithm Latchkey cannot verify,
// - credential_id_too_long: an excluded id longer than
//   kCredentialIdMaxSize,
// - common::errc::random_failed: the CSPRNG could not be seeded.
result<creation_options> make_creation_options(
    const creation_options_input& input);

// Draws the challenge and builds the request options. Fails with
// relying_party_missing, challenge_too_short, timeout_out_of_range,
// credential_id_too_long (an allowed id) or common::errc::random_failed.
result<request_options> make_request_options(
    const request_options_input& input);

// What verify_registration() must check for these options. The caller
// supplies what the options cannot know: the lookup of registered ids,
// the trust anchors (null: every statement untrusted) and the time.
registration_expectation expectation_for(
    const creation_options& options,
    std::function<bool(common::byte_view credential_id)> is_registered,
    const trust_store* trust, common::time_point now);

// What verify_authentication() must check for these options.
authentication_expectation expectation_for(const request_options& options);

}  // namespace webauthn
