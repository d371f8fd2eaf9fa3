// libFuzzer harness: the TPM 2.0 structures of a tpm statement, pubArea
// (TPMT_PUBLIC) and certInfo (TPMS_ATTEST), each parser over the input.
#include "webauthn/tpm_structures.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const common::byte_view input(data, size);
  (void)webauthn::parse_tpm_public(input);
  (void)webauthn::parse_tpm_attest(input);
  return 0;
}
