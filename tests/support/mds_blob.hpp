// FIDO MDS3 BLOBs made in tests: a signer certificate under the test root
// for a test host, and JWS documents signed with it, plus the standard
// base64 that metadata uses for certificates.
//
// Thread-safe: functions over their arguments. OpenSSL failures throw
// std::runtime_error.
#pragma once

#include "common/bytes.hpp"
#include "tests/support/test_ca.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace test_support {

// The host a test BLOB's signer certificate names.
inline constexpr const char* kTestMdsHost = "mds.test.example";

// Padded standard base64 (RFC 4648 section 4).
std::string base64_standard(common::byte_view data);

// A BLOB signer under test_root_ca(), for kTestMdsHost.
certificate make_mds_signer(key_type key = key_type::es256);

// The BLOB: a compact JWS of `payload`, with the signer in x5c. `alg`
// overrides the header's algorithm (for refusal tests).
std::string make_mds_blob(const nlohmann::json& payload,
                          const certificate& signer,
                          const std::string& alg = "");

}  // namespace test_support
