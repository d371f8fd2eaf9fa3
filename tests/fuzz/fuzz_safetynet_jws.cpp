// libFuzzer harness: the SafetyNet compact JWS (base64url parts, header
// and payload JSON, standard base64 x5c), then the timestamp check.
#include "webauthn/safetynet_jws.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const auto response =
      webauthn::parse_safetynet_response(common::as_text({data, size}));
  if (response) {
    (void)webauthn::check_safetynet_timestamp(
        response->timestamp_ms, common::from_unix_seconds(1562516111), {});
  }
  return 0;
}
