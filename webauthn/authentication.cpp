#include "webauthn/authentication.hpp"

#include "common/crypto.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/signature.hpp"

#include <algorithm>

namespace webauthn {
namespace {

bool same(common::byte_view a, common::byte_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// Steps 5 and 6: the credential was allowed, and belongs to the user.
result<void> verify_credential_owner(const authentication_response& response,
                                     const stored_credential& stored,
                                     const authentication_expectation& expect) {
  // If allowCredentials was not empty, verify that the credential is in it.
  const auto& allowed = expect.allowed_credentials;
  if (!allowed.empty() &&
      std::none_of(allowed.begin(), allowed.end(),
                   [&](const auto& id) { return same(id, response.id); })) {
    return errc::credential_not_allowed;
  }

  // When the user was identified before the ceremony, verify that they own
  // the credential; otherwise the response must name its owner.
  if (expect.user_handle) {
    if (!same(*expect.user_handle, stored.user_handle)) {
      return errc::user_handle_mismatch;
    }
  } else if (!response.user_handle) {
    return errc::user_handle_missing;
  }

  // A user handle in the response must be the owner's.
  if (response.user_handle &&
      !same(*response.user_handle, stored.user_handle)) {
    return errc::user_handle_mismatch;
  }
  return {};
}

// Steps 15 to 19: RP ID hash and flags, then BE against the stored BE.
result<void> verify_assertion_data(const authenticator_data& data,
                                   const stored_credential& stored,
                                   const authentication_expectation& expect) {
  // Verify the RP ID hash, UP, UV when required, and BS only with BE.
  if (auto flags = verify_authenticator_flags(data, *expect.rp, expect.uv);
      !flags) {
    return flags.error();
  }

  // An assertion never carries a new credential.
  if (data.attested)
    return errc::attested_credential_unexpected;

  // Verify that BE has not changed since registration: it is a property of
  // the authenticator, fixed for the credential's life.
  if (data.flags.backup_eligible != stored.backup_eligible) {
    return errc::backup_eligibility_changed;
  }
  return {};
}

}  // namespace

result<authentication_result> verify_authentication(
    const authentication_response& response, const stored_credential& stored,
    const authentication_expectation& expect) {
  // The caller found `stored` by the response's id; make sure of it.
  if (!same(response.id, stored.id))
    return errc::credential_id_mismatch;

  // Verify that the credential was allowed and belongs to the user.
  if (auto owner = verify_credential_owner(response, stored, expect); !owner) {
    return owner.error();
  }

  // Decode clientDataJSON as UTF-8 and parse it as the client data.
  auto client = parse_client_data(response.client_data_json);
  if (!client)
    return client.error();

  // Verify type, challenge, origin, crossOrigin and topOrigin.
  if (auto checked = verify_client_data(*client, "webauthn.get",
                                        expect.challenge, *expect.rp);
      !checked) {
    return checked.error();
  }

  // Parse authenticatorData and verify the RP ID hash and flags.
  auto data = parse_authenticator_data(response.authenticator_data);
  if (!data)
    return data.error();
  if (auto checked = verify_assertion_data(*data, stored, expect); !checked) {
    return checked.error();
  }

  // Verify the signature over authenticatorData || SHA-256(clientDataJSON)
  // with the stored public key.
  auto key = parse_cose_key(stored.public_key);
  if (!key)
    return key.error();
  common::bytes signed_data = response.authenticator_data;
  const auto client_data_hash = common::sha256(response.client_data_json);
  signed_data.insert(signed_data.end(), client_data_hash.begin(),
                     client_data_hash.end());
  if (auto verified = verify_signature(key->algorithm, key->key.get(),
                                       signed_data, response.signature);
      !verified) {
    return verified.error();
  }

  // If either counter is non-zero, the new one must be greater; otherwise
  // the authenticator may have been cloned.
  const std::uint32_t received = data->sign_count;
  if ((received != 0 || stored.sign_count != 0) &&
      received <= stored.sign_count) {
    return errc::counter_not_increased;
  }

  authentication_result out;
  out.sign_count = received;
  out.user_verified = data->flags.user_verified;
  out.backup_state = data->flags.backup_state;
  out.backup_state_changed = data->flags.backup_state != stored.backup_state;
  return out;
}

}  // namespace webauthn
