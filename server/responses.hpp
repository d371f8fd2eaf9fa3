// How every answer is shaped: the security headers that go on all of them,
// and RFC 9457 problem documents for errors.
//
// Thread-safe: pure functions.
#pragma once

#include "server/beast.hpp"

#include <string_view>

namespace server {

// A JSON error answer (application/problem+json): `code` is the stable
// machine-readable name an integrator switches on, `detail` the sentence a
// person reads.
response problem(http::status status, std::string_view code,
                 std::string_view detail, unsigned version = 11);

// A JSON answer with the given body.
response json_response(http::status status, std::string body,
                       unsigned version = 11);

// Headers that every answer carries, static file or API alike: a strict
// Content-Security-Policy (no inline script), no sniffing, no referrer,
// no framing.
void add_security_headers(response& res);

}  // namespace server
