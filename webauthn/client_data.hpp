// clientDataJSON (WebAuthn Level 3, section 5.8.1): the JSON the browser
// builds and the authenticator signs a hash of.
//
// The parser checks shape only: the ceremony compares type, challenge and
// origin with what it expects. Unknown members are ignored, as the spec
// requires, so that browsers can add members.
//
// Thread-safe; pure functions.
#pragma once

#include "common/bytes.hpp"
#include "webauthn/error.hpp"

#include <optional>
#include <string>

namespace webauthn {

// clientDataJSON larger than this is refused; real ones are a few hundred
// bytes.
inline constexpr std::size_t kClientDataMaxSize = 16 * 1024;

struct client_data {
  std::string type;
  common::bytes challenge;
  std::string origin;
  std::optional<bool> cross_origin;
  std::optional<std::string> top_origin;
};

// Parses the raw clientDataJSON bytes. Fails with
// - input_too_large beyond kClientDataMaxSize,
// - client_data_not_utf8 when the bytes are not strict UTF-8,
// - client_data_malformed when they are not one JSON object (or nest more
//   than 16 deep, or repeat a member name),
// - json_missing_member when type, challenge or origin is absent,
// - json_wrong_type when a known member has the wrong JSON type,
// - base64url_invalid when the challenge is not canonical base64url.
result<client_data> parse_client_data(common::byte_view raw);

}  // namespace webauthn
