#include "webauthn/ceremony.hpp"

#include "common/crypto.hpp"

#include <algorithm>

namespace webauthn {

std::string_view to_string(user_verification uv) noexcept {
  switch (uv) {
    case user_verification::required:
      return "required";
    case user_verification::preferred:
      return "preferred";
    case user_verification::discouraged:
      return "discouraged";
  }
  return "preferred";
}

result<void> verify_client_data(const client_data& client,
                                std::string_view expected_type,
                                common::byte_view expected_challenge,
                                const relying_party& rp) {
  // Verify that C.type is webauthn.create or webauthn.get, as the ceremony.
  if (client.type != expected_type)
    return errc::client_data_type_mismatch;

  // Verify that C.challenge equals the challenge that was sent.
  if (!common::constant_time_equal(client.challenge, expected_challenge)) {
    return errc::challenge_mismatch;
  }

  // Verify that C.origin is an origin the RP expects, exactly.
  const auto& origins = rp.origins;
  if (std::find(origins.begin(), origins.end(), client.origin) ==
      origins.end()) {
    return errc::origin_mismatch;
  }

  // If C.crossOrigin is true, verify that the RP expects to be framed by
  // another origin.
  const bool cross_origin = client.cross_origin.value_or(false);
  if (cross_origin && !rp.allow_cross_origin) {
    return errc::cross_origin_refused;
  }

  // If C.topOrigin is present, verify that it is a page the RP expects to
  // be framed by. A top origin without crossOrigin contradicts itself.
  if (client.top_origin) {
    const auto& tops = rp.top_origins;
    if (!cross_origin ||
        std::find(tops.begin(), tops.end(), *client.top_origin) == tops.end()) {
      return errc::top_origin_refused;
    }
  }
  return {};
}

result<void> verify_authenticator_flags(const authenticator_data& data,
                                        const relying_party& rp,
                                        user_verification uv) {
  // Verify that rpIdHash is the SHA-256 hash of the RP ID.
  if (common::sha256(common::as_bytes(rp.id)) != data.rp_id_hash) {
    return errc::rp_id_hash_mismatch;
  }

  // Verify that the UP bit of the flags is set.
  if (!data.flags.user_present)
    return errc::user_not_present;

  // If user verification was required, verify that the UV bit is set.
  if (uv == user_verification::required && !data.flags.user_verified) {
    return errc::user_verification_missing;
  }

  // If the BE bit is not set, verify that the BS bit is not set.
  if (!data.flags.backup_eligible && data.flags.backup_state) {
    return errc::backup_state_without_eligibility;
  }
  return {};
}

}  // namespace webauthn
