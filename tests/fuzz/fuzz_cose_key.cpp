// libFuzzer harness: COSE keys, and a signature check with each key that
// parses (over a fixed message, with the input's tail as the signature).
#include "webauthn/cbor.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/signature.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const common::byte_view input(data, size);
  const auto length = webauthn::cbor_item_length(input);
  if (!length)
    return 0;
  const auto key = webauthn::parse_cose_key(input.first(*length));
  if (!key)
    return 0;
  const common::byte_view message = input.first(*length);
  (void)webauthn::verify_signature(key->algorithm, key->key.get(), message,
                                   input.subspan(*length));
  return 0;
}
