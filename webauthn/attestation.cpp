#include "webauthn/attestation.hpp"

namespace webauthn {
namespace {

struct format_entry {
  std::string_view fmt;
  attestation_verifier verify;
};

// The formats of WebAuthn Level 3 section 8 that Latchkey implements. The
// table is the one place a format is registered.
constexpr format_entry kFormats[] = {
    {"none", verify_none_attestation},
    {"packed", verify_packed_attestation},
    {"fido-u2f", verify_fido_u2f_attestation},
    {"tpm", verify_tpm_attestation},
    {"android-key", verify_android_key_attestation},
    {"android-safetynet", verify_android_safetynet_attestation},
    {"apple", verify_apple_attestation},
};

}  // namespace

std::string_view to_string(attestation_type type) noexcept {
  switch (type) {
    case attestation_type::none:
      return "none";
    case attestation_type::self:
      return "self";
    case attestation_type::basic:
      return "basic";
    case attestation_type::attca:
      return "attca";
    case attestation_type::anonca:
      return "anonca";
  }
  return "unknown";
}

result<attestation_verifier> find_attestation_verifier(std::string_view fmt) {
  for (const format_entry& entry : kFormats) {
    if (entry.fmt == fmt)
      return entry.verify;
  }
  return errc::attestation_format_unsupported;
}

}  // namespace webauthn
