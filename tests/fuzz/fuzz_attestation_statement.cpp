// libFuzzer harness: an attestation object through its format's statement
// verifier (certificates, extensions, signatures), then the trust step
// over the path it returns. The first 32 bytes of the input are the
// client data hash, so the verifiers get past their shape checks.
#include "webauthn/attestation.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/trust.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  webauthn::attestation_input input;
  if (size < input.client_data_hash.size())
    return 0;
  std::copy_n(data, input.client_data_hash.size(),
              input.client_data_hash.begin());
  const common::byte_view rest(data + input.client_data_hash.size(),
                               size - input.client_data_hash.size());
  const auto object = webauthn::parse_attestation_object(rest);
  if (!object)
    return 0;
  const auto auth_data = webauthn::parse_authenticator_data(object->auth_data);
  if (!auth_data || !auth_data->attested)
    return 0;
  const auto key = webauthn::parse_cose_key(auth_data->attested->public_key);
  if (!key)
    return 0;
  const auto verifier = webauthn::find_attestation_verifier(object->fmt);
  if (!verifier)
    return 0;
  input.statement = object->statement.get();
  input.auth_data = &*auth_data;
  input.credential_key = &*key;
  input.now = common::from_unix_seconds(1'700'000'000);
  const auto verified = (*verifier)(input);
  if (verified) {
    static const webauthn::trust_store no_roots;
    (void)no_roots.evaluate(verified->certificates, input.now, object->fmt);
  }
  return 0;
}
