// libFuzzer harness: the DER inside attestation certificate extensions:
// the Android key description with both authorization rules, and Apple's
// nonce (the same DER reader underneath).
#include "webauthn/android_key_description.hpp"
#include "webauthn/apple_nonce.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const common::byte_view input(data, size);
  const auto description = webauthn::parse_android_key_description(input);
  if (description) {
    (void)webauthn::check_android_authorizations(
        *description, webauthn::android_key_scope::tee_and_software);
    (void)webauthn::check_android_authorizations(
        *description, webauthn::android_key_scope::tee_only);
  }
  (void)webauthn::parse_apple_nonce(input);
  return 0;
}
