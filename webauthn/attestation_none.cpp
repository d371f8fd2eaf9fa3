#include "webauthn/attestation.hpp"

namespace webauthn {

// WebAuthn Level 3 section 8.7: the statement is an empty map and says
// nothing about the authenticator.
result<attestation_result> verify_none_attestation(
    const attestation_input& input) {
  const cbor_item_t* statement = input.statement;
  if (statement == nullptr || !cbor_isa_map(statement) ||
      cbor_map_size(statement) != 0)
    return errc::attestation_statement_malformed;
  return attestation_result{attestation_type::none, {}};
}

}  // namespace webauthn
