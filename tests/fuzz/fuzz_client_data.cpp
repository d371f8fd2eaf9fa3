// libFuzzer harness: clientDataJSON bytes.
#include "webauthn/client_data.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  (void)webauthn::parse_client_data({data, size});
  return 0;
}
