// libFuzzer harness: authenticator data on its own, as assertions carry it.
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cbor.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const auto parsed = webauthn::parse_authenticator_data({data, size});
  if (parsed && parsed->extensions)
    (void)webauthn::cbor_decode(*parsed->extensions);
  return 0;
}
