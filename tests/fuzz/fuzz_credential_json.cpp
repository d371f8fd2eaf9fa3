// libFuzzer harness: credential JSON text in both forms, for registration
// and for authentication.
#include "webauthn/credential_json.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using webauthn::credential_json_form;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto form :
       {credential_json_form::browser, credential_json_form::conformance}) {
    (void)webauthn::parse_registration_response(text, form);
    (void)webauthn::parse_authentication_response(text, form);
  }
  return 0;
}
