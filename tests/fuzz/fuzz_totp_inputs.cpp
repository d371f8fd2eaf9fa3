// libFuzzer harness: everything the totp layer reads from people and
// their apps: otpauth URIs, base32 secrets, submitted codes and recovery
// codes, each parser over the same input.
#include "totp/key_uri.hpp"
#include "totp/otp.hpp"
#include "totp/recovery.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)totp::parse_key_uri(text);
  (void)totp::secret_from_base32(text);
  (void)totp::check_code_format(text, 6);
  (void)totp::normalize_recovery_code(text);
  return 0;
}
