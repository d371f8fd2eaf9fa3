#include "webauthn/registration.hpp"

#include "common/crypto.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"

#include <algorithm>

namespace webauthn {
namespace {

// Steps on the authenticator data: RP ID hash, flags, algorithm. Returns
// the parsed credential key.
result<cose_key> verify_registration_data(
    const authenticator_data& data, const registration_response& response,
    const registration_expectation& expect) {
  // Verify that rpIdHash is the SHA-256 hash of the RP ID.
  if (common::sha256(common::as_bytes(expect.rp->id)) != data.rp_id_hash) {
    return errc::rp_id_hash_mismatch;
  }

  // Verify that the UP bit of the flags is set.
  if (!data.flags.user_present)
    return errc::user_not_present;

  // If user verification was required, verify that the UV bit is set.
  if (expect.uv == user_verification::required && !data.flags.user_verified) {
    return errc::user_verification_missing;
  }

  // If the BE bit is not set, verify that the BS bit is not set.
  if (!data.flags.backup_eligible && data.flags.backup_state) {
    return errc::backup_state_without_eligibility;
  }

  // A registration must carry the new credential, and its id must be the
  // one the response names.
  if (!data.attested)
    return errc::attested_credential_missing;
  if (data.attested->credential_id != response.id) {
    return errc::credential_id_mismatch;
  }

  // Verify that the credential key's algorithm is one that was offered.
  auto key = parse_cose_key(data.attested->public_key);
  if (!key)
    return key.error();
  const auto& offered = expect.algorithms;
  if (std::find(offered.begin(), offered.end(), key->algorithm) ==
      offered.end()) {
    return errc::algorithm_not_allowed;
  }
  return key;
}

std::optional<bool> resident_key_hint(const nlohmann::json& extensions) {
  const auto props = extensions.find("credProps");
  if (props == extensions.end() || !props->is_object())
    return std::nullopt;
  const auto rk = props->find("rk");
  if (rk == props->end() || !rk->is_boolean())
    return std::nullopt;
  return rk->get<bool>();
}

new_credential describe_credential(const registration_response& response,
                                   const authenticator_data& data,
                                   const cose_key& key, std::string format,
                                   attestation_result attestation) {
  new_credential out;
  out.id = data.attested->credential_id;
  out.public_key = data.attested->public_key;
  out.algorithm = key.algorithm;
  out.sign_count = data.sign_count;
  out.authenticator_model = data.attested->aaguid;
  out.format = std::move(format);
  out.type = attestation.type;
  out.certificates = std::move(attestation.certificates);
  out.user_verified = data.flags.user_verified;
  out.backup_eligible = data.flags.backup_eligible;
  out.backup_state = data.flags.backup_state;
  out.transports = response.transports;
  out.authenticator_attachment = response.authenticator_attachment;
  out.resident_key = resident_key_hint(response.client_extension_results);
  out.attestation_object = response.attestation_object;
  return out;
}

}  // namespace

result<new_credential> verify_registration(
    const registration_response& response,
    const registration_expectation& expect) {
  // Decode clientDataJSON as UTF-8 and parse it as the client data.
  auto client = parse_client_data(response.client_data_json);
  if (!client)
    return client.error();

  // Verify type, challenge, origin, crossOrigin and topOrigin.
  if (auto checked = verify_client_data(*client, "webauthn.create",
                                        expect.challenge, *expect.rp);
      !checked) {
    return checked.error();
  }

  // Hash clientDataJSON, for the attestation statement.
  const auto client_data_hash = common::sha256(response.client_data_json);

  // Decode the attestation object: fmt, authData and attStmt.
  auto object = parse_attestation_object(response.attestation_object);
  if (!object)
    return object.error();
  auto data = parse_authenticator_data(object->auth_data);
  if (!data)
    return data.error();

  // Verify the RP ID hash, flags and algorithm.
  auto key = verify_registration_data(*data, response, expect);
  if (!key)
    return key.error();

  // Determine the attestation format from fmt, among the supported ones.
  auto verifier = find_attestation_verifier(object->fmt);
  if (!verifier)
    return verifier.error();

  // Verify the attestation statement and learn its type.
  const attestation_input input{object->statement.get(), &*data, &*key,
                                client_data_hash};
  auto attestation = (*verifier)(input);
  if (!attestation)
    return attestation.error();

  // Ask the trust anchors about the statement's certificate path.
  attestation_trust trust;
  if (expect.trust != nullptr) {
    trust = expect.trust->evaluate(attestation->certificates, expect.now);
  }

  // Verify that the credential id is not registered yet, to anyone.
  if (expect.is_registered && expect.is_registered(response.id)) {
    return errc::credential_already_registered;
  }

  auto out = describe_credential(response, *data, *key, object->fmt,
                                 std::move(*attestation));
  out.trust = std::move(trust);
  return out;
}

}  // namespace webauthn
