// libFuzzer harness: the attestation object, then the authenticator data
// it carries, then the COSE key inside that.
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cose_key.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const auto object = webauthn::parse_attestation_object({data, size});
  if (!object)
    return 0;
  const auto auth_data = webauthn::parse_authenticator_data(object->auth_data);
  if (auth_data && auth_data->attested)
    (void)webauthn::parse_cose_key(auth_data->attested->public_key);
  return 0;
}
