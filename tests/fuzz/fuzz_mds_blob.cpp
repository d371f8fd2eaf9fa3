// libFuzzer harness: FIDO MDS3 metadata as text. Each input is tried as a
// whole BLOB (the JWS parse and signature check; a fuzzed signature never
// verifies, so the payload is reached through the next call), as a BLOB
// payload and as a standalone statement or BLOB entry.
#include "webauthn/metadata.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const webauthn::trust_store no_roots;
  webauthn::metadata_store store;
  (void)store.load_blob(text, no_roots, common::from_unix_seconds(1622505600));
  (void)webauthn::parse_blob_payload(text);
  (void)webauthn::parse_metadata_entry(text);
  return 0;
}
