#include "webauthn/registration.hpp"

#include "common/crypto.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/policy.hpp"

#include <algorithm>

namespace webauthn {
namespace {

// Steps on the authenticator data: RP ID hash, flags, algorithm. Returns
// the parsed credential key.
result<cose_key> verify_registration_data(
    const authenticator_data& data, const registration_response& response,
    const registration_expectation& expect) {
  // Verify the RP ID hash, UP, UV when required, and BS only with BE.
  if (auto flags = verify_authenticator_flags(data, *expect.rp, expect.uv);
      !flags) {
    return flags.error();
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

const trust_options& trust_options_of(const registration_expectation& expect) {
  static const trust_options defaults;
  return expect.trust != nullptr ? expect.trust->options() : defaults;
}

// The trust step. Without anchors every statement is untrusted (the policy
// may accept that); a revoked certificate or SHA-1 that the policy
// refuses is evidence against the statement and ends the ceremony.
result<attestation_trust> evaluate_trust(
    const std::vector<common::bytes>& certificates, std::string_view fmt,
    const registration_expectation& expect) {
  static const trust_store no_anchors;
  const trust_store& store =
      expect.trust != nullptr ? *expect.trust : no_anchors;
  attestation_trust trust = store.evaluate(certificates, expect.now, fmt);
  if (trust.refusal != errc::ok)
    return trust.refusal;
  return trust;
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

  // Refuse an RS1 statement signature unless the SHA-1 policy allows it
  // for this format.
  if (auto sha1 = check_statement_sha1(object->statement.get(), object->fmt,
                                       trust_options_of(expect));
      !sha1) {
    return sha1.error();
  }

  // Verify the attestation statement and learn its type.
  const attestation_input input{object->statement.get(), &*data, &*key,
                                client_data_hash, expect.now};
  auto attestation = (*verifier)(input);
  if (!attestation)
    return attestation.error();

  // Ask the trust anchors about the statement's certificate path.
  auto trust = evaluate_trust(attestation->certificates, object->fmt, expect);
  if (!trust)
    return trust.error();

  // Verify that the credential id is not registered yet, to anyone.
  if (expect.is_registered && expect.is_registered(response.id)) {
    return errc::credential_already_registered;
  }

  auto out = describe_credential(response, *data, *key, object->fmt,
                                 std::move(*attestation));
  out.trust = std::move(*trust);

  // Apply the relying party's policy, when there is one.
  if (expect.policy != nullptr) {
    auto model = check_registration_policy(out, *expect.policy, expect.metadata,
                                           expect.trust, expect.now);
    if (!model)
      return model.error();
    out.model = std::move(*model);
  }
  return out;
}

}  // namespace webauthn
