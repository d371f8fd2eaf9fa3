// What the relying party expects of every ceremony: its RP ID, the origins
// it serves, and how it treats cross-origin and top-origin iframes.
//
// Thread-safe: plain data.
#pragma once

#include "common/bytes.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/client_data.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace webauthn {

struct relying_party {
  std::string id;                    // the RP ID, such as "example.com"
  std::vector<std::string> origins;  // exact origins, such as
                                     // "https://login.example.com"
  // Accept crossOrigin: true (the page is framed by another origin).
  bool allow_cross_origin = false;
  // Top origins accepted when cross-origin is allowed; empty accepts none.
  std::vector<std::string> top_origins;
};

// Every algorithm Latchkey verifies, and the ones it offers by default in
// pubKeyCredParams, most preferred first. The fully specified Ed25519 and
// Ed448 identifiers of Level 3 are verified when an RP offers them.
inline constexpr cose_algorithm kSupportedAlgorithms[] = {
    cose_algorithm::es256, cose_algorithm::eddsa, cose_algorithm::ed25519,
    cose_algorithm::ed448, cose_algorithm::es384, cose_algorithm::es512,
    cose_algorithm::rs256, cose_algorithm::ps256};
inline constexpr cose_algorithm kDefaultAlgorithms[] = {
    cose_algorithm::es256, cose_algorithm::eddsa, cose_algorithm::es384,
    cose_algorithm::es512, cose_algorithm::rs256, cose_algorithm::ps256};

enum class user_verification { required, preferred, discouraged };

std::string_view to_string(user_verification uv) noexcept;

// The client data checks shared by both ceremonies (Level 3 sections 7.1
// and 7.2, steps "verify type", "challenge", "origin", "crossOrigin" and
// "topOrigin"), in that order. Fails with client_data_type_mismatch,
// challenge_mismatch (compared in constant time), origin_mismatch,
// cross_origin_refused or top_origin_refused.
result<void> verify_client_data(const client_data& client,
                                std::string_view expected_type,
                                common::byte_view expected_challenge,
                                const relying_party& rp);

// The authenticator data checks shared by both ceremonies, in spec order:
// rpIdHash is SHA-256 of the RP ID, UP is set, UV is set when required, and
// BS is not set without BE. Fails with rp_id_hash_mismatch,
// user_not_present, user_verification_missing or
// backup_state_without_eligibility.
result<void> verify_authenticator_flags(const authenticator_data& data,
                                        const relying_party& rp,
                                        user_verification uv);

}  // namespace webauthn
