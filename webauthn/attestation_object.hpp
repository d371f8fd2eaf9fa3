// The attestation object (WebAuthn Level 3, section 6.5): a CBOR map of
// exactly three members, "fmt" (text), "attStmt" (map) and "authData"
// (bytes), with nothing after it.
//
// Parsing checks that shape only; the statement is left decoded for the
// verifier of its format, and authData for parse_authenticator_data.
//
// Thread-safe; pure functions. An attestation_object is not shared.
#pragma once

#include "common/bytes.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/error.hpp"

#include <string>

namespace webauthn {

struct attestation_object {
  std::string fmt;
  cbor_ptr statement;  // the attStmt map, never null after parsing
  common::bytes auth_data;
};

// Fails with the cbor_* errors of cbor_decode, or with
// attestation_object_malformed when the item is not a map of exactly the
// three members with their types.
result<attestation_object> parse_attestation_object(common::byte_view data);

}  // namespace webauthn
