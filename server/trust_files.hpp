// Reading the files that attestation trust comes from: a folder of roots
// and CRLs, and FIDO metadata (an MDS3 BLOB, statements, or a folder of
// them). Shared by `serve`, `verify` and `metadata load`.
//
// Not thread-safe per store: fill a store before sharing it.
#pragma once

#include "common/clock.hpp"
#include "webauthn/metadata.hpp"
#include "webauthn/trust.hpp"

#include <functional>
#include <optional>
#include <string>

namespace server {

// Where notes for the operator go (a BLOB's number, a stale BLOB).
using note_sink = std::function<void(const std::string&)>;

// Adds every .pem, .crt and .der file of `folder` as a root and every .crl
// file as a revocation list. Gives a sentence naming the file on failure.
std::optional<std::string> load_roots(const std::string& folder,
                                      webauthn::trust_store& roots);

// Loads `path`: a BLOB (.jwt, its signature checked under `roots` at
// `at`), a statement or BLOB entry (.json), or every such file of a
// folder in name order. Gives a sentence naming the file on failure.
std::optional<std::string> load_metadata(
    const std::string& path, const webauthn::trust_store& roots,
    common::time_point at, webauthn::metadata_store& metadata,
    const note_sink& note, const webauthn::blob_options& options = {});

}  // namespace server
