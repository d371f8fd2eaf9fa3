#include "webauthn/policy.hpp"

#include <algorithm>

namespace webauthn {
namespace {

template <class List, class Value>
bool contains(const List& list, const Value& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Whether the attestation path leads to the roots that `entry` lists for
// its model, checked with the caller's trust options and CRLs.
model_info attest_model(const new_credential& credential,
                        const metadata_entry& entry, const trust_store* trust,
                        common::time_point at) {
  model_info out;
  out.description = entry.description;
  if (credential.certificates.empty() || entry.attestation_roots.empty())
    return out;
  const trust_store defaults;
  auto model_roots = (trust != nullptr ? *trust : defaults)
                         .with_roots(entry.attestation_roots);
  if (!model_roots)
    return out;
  auto path =
      model_roots->evaluate(credential.certificates, at, credential.format);
  out.attested = path.trusted;
  out.path = std::move(path.path);
  return out;
}

}  // namespace

result<model_info> check_registration_policy(const new_credential& credential,
                                             const registration_policy& policy,
                                             const metadata_store* metadata,
                                             const trust_store* trust,
                                             common::time_point at) {
  // The credential's algorithm must be one the policy accepts.
  if (!policy.algorithms.empty() &&
      !contains(policy.algorithms, credential.algorithm))
    return errc::algorithm_not_allowed;

  // User verification, when the policy requires it.
  if (policy.uv == user_verification::required && !credential.user_verified)
    return errc::user_verification_missing;

  // Synced credentials, when the policy refuses them: BE is signed, and
  // it never changes for a credential.
  if (!policy.allow_synced && credential.backup_eligible)
    return errc::synced_credential_refused;

  // What the metadata says about the claimed model, and whether the
  // attestation proves the claim.
  const metadata_entry* entry =
      metadata != nullptr ? metadata->find_for(credential.authenticator_model,
                                               credential.certificates)
                          : nullptr;
  if (entry != nullptr && refusing_report(*entry) != nullptr)
    return errc::authenticator_status_refused;
  model_info model = entry != nullptr
                         ? attest_model(credential, *entry, trust, at)
                         : model_info{};

  // Denied models are refused on the claim alone.
  if (contains(policy.denied_models, credential.authenticator_model))
    return errc::aaguid_denied;

  // Allowed models must be attested as what they claim to be.
  if (!policy.allowed_models.empty() &&
      (!model.attested ||
       !contains(policy.allowed_models, credential.authenticator_model)))
    return errc::aaguid_not_allowed;

  // Trusted attestation: a configured root, or the model's own roots.
  if (policy.require_trusted_attestation && !credential.trust.trusted &&
      !model.attested)
    return errc::attestation_not_trusted;
  return model;
}

}  // namespace webauthn
