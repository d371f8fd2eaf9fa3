// Attestation statements: one verifier per format, all with the same
// signature, chosen by the statement's `fmt`.
//
// A verifier checks that the statement is well formed and that its
// signature binds the authenticator data and the client data hash (WebAuthn
// Level 3 section 7.1, step "verify attStmt"), and says what kind of
// attestation it is. It does not decide whether to trust the certificates:
// that is the trust step's job (webauthn/trust.hpp), which gets the path
// the verifier returns.
//
// Thread-safe: verifiers are pure functions.
#pragma once

#include "common/bytes.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/error.hpp"

#include <array>
#include <string_view>
#include <vector>

namespace webauthn {

// WebAuthn Level 3 section 6.5.4.
enum class attestation_type { none, self, basic, attca, anonca };

std::string_view to_string(attestation_type type) noexcept;

// Everything a format verifier may look at.
struct attestation_input {
  const cbor_item_t* statement = nullptr;  // attStmt, a CBOR map
  const authenticator_data* auth_data = nullptr;
  const cose_key* credential_key = nullptr;  // from auth_data
  std::array<std::uint8_t, 32> client_data_hash{};
};

struct attestation_result {
  attestation_type type = attestation_type::none;
  // DER certificates, leaf first, as the statement carried them; empty
  // for none and self attestation.
  std::vector<common::bytes> certificates;
};

using attestation_verifier =
    result<attestation_result> (*)(const attestation_input& input);

// The verifier for `fmt`, or attestation_format_unsupported.
result<attestation_verifier> find_attestation_verifier(std::string_view fmt);

// One function per format, each in its own file (attestation_<fmt>.cpp).
// Each fails with attestation_statement_malformed when the statement does
// not have the format's shape, and with the format's own rules otherwise.
result<attestation_result> verify_none_attestation(
    const attestation_input& input);
result<attestation_result> verify_packed_attestation(
    const attestation_input& input);
result<attestation_result> verify_fido_u2f_attestation(
    const attestation_input& input);

}  // namespace webauthn
