// The SafetyNet attestation response of an "android-safetynet" statement
// (WebAuthn Level 3 section 8.5): a JWS in compact serialization (RFC 7515)
// whose header carries the signing certificates (x5c) and whose payload
// says what Google's service judged. Internal to webauthn/: the
// android-safetynet verifier and its fuzz harness include it.
//
// Google retired the SafetyNet Attestation API in 2025: no device makes
// new statements. This serves registrations made before, and captures.
//
// Thread-safe; pure functions. Nothing here throws; JSON is parsed with
// exceptions off, bounded in depth, and refused with duplicate names.
#pragma once

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "webauthn/error.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace webauthn {

inline constexpr std::string_view kSafetynetHostname = "attest.android.com";

struct safetynet_response {
  std::string algorithm;                    // the JWS header's alg
  std::vector<common::bytes> certificates;  // x5c as DER, leaf first
  std::string signing_input;                // header "." payload, as sent
  common::bytes signature;                  // as the JWS encodes it
  std::string nonce;                        // standard base64, as sent
  std::int64_t timestamp_ms = 0;            // milliseconds since 1970
  bool cts_profile_match = false;
};

// Decodes `compact`. Fails with safetynet_response_malformed when it is
// not three unpadded base64url parts; the header is not a JSON object with
// a text alg and an x5c array of one to eight standard base64 strings;
// or the payload is not a JSON object with a text nonce, an integer
// timestampMs and a boolean ctsProfileMatch. Certificates are decoded,
// not parsed.
result<safetynet_response> parse_safetynet_response(std::string_view compact);

// How old a response may be at registration, and how far in the future
// (the service's clock and the RP's differ).
struct safetynet_freshness {
  std::chrono::milliseconds max_age{60'000};
  std::chrono::milliseconds future_tolerance{60'000};
};

// Fails with safetynet_timestamp_in_future or safetynet_timestamp_too_old.
result<void> check_safetynet_timestamp(std::int64_t timestamp_ms,
                                       common::time_point now,
                                       const safetynet_freshness& freshness);

// Standard base64 with padding (RFC 4648 section 4), as the nonce and the
// x5c entries are written.
std::string base64_standard_encode(common::byte_view data);

}  // namespace webauthn
