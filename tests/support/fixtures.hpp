// The captured WebAuthn responses in ../shared/fixtures/webauthn (real
// devices and the W3C Level 3 test vectors), loaded into structs that
// follow that folder's README schema.
//
// The folder sits outside the repository, so it may be missing: tests call
// fixtures_present() first and skip with a message when it is false.
// Loading throws std::runtime_error naming the file when a file does not
// match the schema. Thread-safe; reads files only.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/clock.hpp"

namespace test_support {

// Fields that registrations and assertions share.
struct fixture_common {
  std::string file;  // the file name, such as "fido-u2f_yubikey-4.json"
  std::string source;
  std::string device;
  std::string rp_id;
  std::string origin;
  std::string expected_challenge;  // base64url
  std::string expect;              // "valid", or the reason after "invalid: "
  std::string notes;
  // RP policy, given by the W3C cross-origin vectors only: whether client
  // data with crossOrigin true is accepted, and which topOrigin is.
  bool accept_cross_origin = false;
  std::optional<std::string> top_origin;
  nlohmann::json credential;    // RegistrationResponseJSON or the other
  std::string credential_text;  // the same, serialized

  bool expect_valid() const { return expect == "valid"; }
  bool is_w3c_vector() const { return file.starts_with("w3c-l3-"); }
};

struct registration_fixture : fixture_common {
  std::string fmt;
  std::optional<common::time_point> verify_at;  // null when no certificates
};

struct assertion_fixture : fixture_common {
  common::bytes credential_public_key;  // COSE_Key
  std::uint32_t prev_sign_count = 0;
};

// LATCHKEY_SOURCE_DIR "/../shared/fixtures/webauthn".
std::filesystem::path fixtures_dir();
bool fixtures_present();

// Every registrations/*.json and assertions/*.json, sorted by file name.
std::vector<registration_fixture> load_registration_fixtures();
std::vector<assertion_fixture> load_assertion_fixtures();

// "2025-02-02T10:00:00.000Z" (fraction optional, UTC only); nullopt when
// the text is not of that form.
std::optional<common::time_point> parse_utc_time(const std::string& text);

}  // namespace test_support
