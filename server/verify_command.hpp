// `latchkey verify registration FILE` and `latchkey verify assertion FILE`:
// check a captured WebAuthn response offline, print what it holds and the
// verdict with its named reason. This is how support staff find out why a
// key was refused.
//
// FILE holds the credential JSON as a browser's toJSON() gives it, or an
// object with that JSON under "credential" and, optionally, "rpId",
// "origin", "expectedChallenge", "verifyAt", "credentialPublicKey" and
// "prevSignCount" (the fixture layout); flags override those.
#pragma once

#include <cstdio>
#include <span>
#include <string_view>

namespace server {

// Exit status: 0 valid, 1 refused, 2 bad usage or unreadable input.
int run_verify(std::span<const std::string_view> args, std::FILE* out,
               std::FILE* err);

}  // namespace server
