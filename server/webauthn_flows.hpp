// The WebAuthn ceremonies over a store: begin one (options and ceremony
// state) and finish it (verification and the writes that follow). The
// account API and the FIDO conformance API both run on these, each over
// its own store, so that one verifier serves both.
//
// Thread-safe: functions over the services, which are.
#pragma once

#include "server/api.hpp"
#include "server/ceremonies.hpp"
#include "server/services.hpp"
#include "storage/store.hpp"
#include "webauthn/credential_json.hpp"
#include "webauthn/options.hpp"
#include "webauthn/registration.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace server {

// What a registration is for.
struct registration_begin {
  storage::ceremony_kind kind = storage::ceremony_kind::sign_up;
  std::optional<storage::user_id> user;  // an existing user adding a key
  common::bytes session_hash;
  webauthn::user_entity entity;  // handle, name, display name
  std::vector<webauthn::credential_descriptor> exclude;
  webauthn::resident_key_requirement resident_key =
      webauthn::resident_key_requirement::required;
  webauthn::user_verification uv = webauthn::user_verification::preferred;
  std::optional<webauthn::authenticator_attachment> attachment;
  webauthn::attestation_conveyance attestation =
      webauthn::attestation_conveyance::none;
  nlohmann::json extra_context = nlohmann::json::object();
};

struct ceremony_started {
  std::string handle;
  nlohmann::json options;  // the Level 3 JSON form
};

api_result<ceremony_started> begin_registration(services& s,
                                                storage::store& store,
                                                const registration_begin& b);

// Verifies the registration of `ceremony` (every step of section 7.1, the
// trust step and the policy). Fails with credential_malformed or
// registration_refused, with the WebAuthn reason in `reason`.
api_result<webauthn::new_credential> verify_new_credential(
    services& s, storage::store& store, const storage::ceremony& ceremony,
    const nlohmann::json& credential, webauthn::credential_json_form form);

// The row to store for a verified credential.
storage::credential credential_row(const webauthn::new_credential& c,
                                   storage::user_id user,
                                   common::time_point now);

struct sign_in_begin {
  storage::ceremony_kind kind = storage::ceremony_kind::sign_in;
  common::bytes session_hash;
  // The user named, when one was: their credentials are allowed. When the
  // name is unknown (or has no credentials), made-up ids stand in, derived
  // from the name, so the options look the same.
  std::optional<std::string> username;
  std::optional<storage::user_id> known_user;  // step-up: this user
  webauthn::user_verification uv = webauthn::user_verification::preferred;
  // The conformance API says an unknown name is unknown; the account API
  // never does.
  bool refuse_unknown = false;
};

api_result<ceremony_started> begin_sign_in(services& s, storage::store& store,
                                           const sign_in_begin& b);

struct signed_in {
  storage::user user;
  storage::credential credential;
  webauthn::authentication_result result;
};

// What a verified sign-in writes beside its counter, all in one
// transaction: the caller builds it once it knows who signed in and how.
struct sign_in_writes {
  std::optional<storage::session> session;
  common::bytes ended_session;  // token hash of the session it replaces
  std::optional<storage::audit_event> audit;
};
using sign_in_writer = std::function<sign_in_writes(const signed_in&)>;

// A sign-in result's credential, parsed before its ceremony is looked up,
// so that one read finds the ceremony and the credential (hold_sign_in):
// a parse error is reported only after the ceremony's own checks.
using parsed_assertion = webauthn::result<webauthn::authentication_response>;
// The id to read with the ceremony: empty when the credential did not
// parse.
common::byte_view credential_id_of(const parsed_assertion& parsed);

// Verifies an assertion for the ceremony and credential that hold_sign_in
// read, then takes the ceremony and records the sign-in with
// what `writes` adds, in one transaction; a refusal takes the ceremony
// alone. Every failure is sign_in_failed, with the precise reason in
// `reason`, except a malformed credential (credential_malformed) and a
// suspended credential whose signature verified (credential_suspended,
// with why). A counter that did not increase flags the credential as
// possibly cloned and ends its owner's sessions before refusing.
api_result<signed_in> finish_sign_in(services& s, storage::store& store,
                                     const held_sign_in& held,
                                     const parsed_assertion& parsed,
                                     std::string_view address,
                                     const sign_in_writer& writes);

// The credential descriptors of a user's credentials.
std::vector<webauthn::credential_descriptor> descriptors_of(
    const std::vector<storage::credential>& credentials);

}  // namespace server
