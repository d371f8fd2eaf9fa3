// The settings of `latchkey serve`, where they come from, and the checks
// that refuse a configuration that would be unsafe or cannot work.
//
// Not thread-safe while being parsed; read-only afterwards.
#pragma once

#include "common/config.hpp"
#include "common/log.hpp"
#include "server/net.hpp"
#include "webauthn/ceremony.hpp"
#include "webauthn/metadata.hpp"
#include "webauthn/options.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace server {

struct listen_address {
  std::string host;
  std::uint16_t port = 0;
};

struct settings {
  std::string listen = "127.0.0.1:8080";
  std::string rp_id = "localhost";
  std::string rp_name = "Latchkey";
  std::vector<std::string> origins = {"http://localhost:8080"};
  std::string database = "./latchkey.db";
  std::string key_file = "./latchkey.key";
  // The key file's JSON, from the environment instead of a file.
  std::string secret_keys;
  // Empty: serve the demo pages built into the binary.
  std::string web_root;
  std::string log_level = "info";
  std::uint64_t threads = 0;  // 0: one per core
  std::uint64_t max_connections = 10'000;
  std::uint64_t body_limit = 64 * 1024;
  std::uint64_t header_limit = 8 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_grace{10'000};

  // TLS, when both are given (PEM files); otherwise plain HTTP, meant for
  // localhost or behind a TLS-terminating proxy.
  std::string tls_cert;
  std::string tls_key;
  // Proxies whose X-Forwarded-For is believed: addresses or CIDR blocks.
  std::vector<std::string> trusted_proxies;

  // Ceremonies and sessions.
  std::chrono::milliseconds ceremony_timeout{5 * 60'000};
  std::chrono::milliseconds session_idle{30 * 60'000};
  std::chrono::milliseconds session_lifetime{12 * 3'600'000};
  // How recent a strong sign-in must be to add a key.
  std::chrono::milliseconds reauth_window{5 * 60'000};
  // Ceremonies one client address may begin per minute without a session.
  std::uint64_t ceremonies_per_minute = 60;
  // For runs in which one address plays many users (a conformance tool, a
  // load test): no per-address limits at all.
  bool insecure_disable_address_limits = false;
  // Origins other than `origins` that may use the same credentials
  // (WebAuthn related origins), listed at /.well-known/webauthn.
  std::vector<std::string> related_origins;

  // Attestation trust and registration policy.
  std::string attestation_roots;  // folder of .pem/.der roots and .crl
  std::string metadata;           // MDS3 BLOB, statement, or a folder
  std::string metadata_roots;     // roots that sign the BLOB
  std::string metadata_signer = "mds.fidoalliance.org";  // the BLOB signer
  std::vector<std::string> allowed_aaguids;
  std::vector<std::string> denied_aaguids;
  bool require_trusted_attestation = false;
  bool refuse_synced = false;
  bool refuse_sha1 = false;
  std::string user_verification = "preferred";
  std::string attestation = "none";  // conveyance asked for

  // Passwords and second factors.
  bool insecure_single_factor = false;      // a password alone signs in
  bool require_phishing_resistant = false;  // no TOTP once a key exists
  std::string breached_passwords;  // a file: one password or SHA-1 a line
  std::uint64_t password_min_length = 8;  // code points
  std::uint64_t password_max_bytes = 1024;
  std::uint64_t password_memory_kib = 19 * 1024;
  std::uint64_t password_passes = 2;
  std::uint64_t hash_threads = 0;  // 0: one per core
  std::uint64_t hash_queue = 64;   // waiting hashes before 503
  std::chrono::milliseconds reset_token_lifetime{24 * 3'600'000};

  // Limits on guessable secrets (password, TOTP code, recovery code).
  std::uint64_t free_failures = 5;       // per account, before any delay
  std::uint64_t lockout_failures = 100;  // per account, until cleared
  std::chrono::milliseconds max_delay{3'600'000};
  std::uint64_t address_failures_per_hour = 100;

  // The admin API and /metrics, on a listener of their own; empty: off.
  std::string admin_listen = "127.0.0.1:8081";
  // Audit events lose address and user agent after this long; 0 keeps.
  std::chrono::milliseconds audit_address_retention{90LL * 86'400'000};

  // The FIDO conformance-testing API, off unless asked for; its users
  // live in a database of their own.
  bool conformance_api = false;
  std::string conformance_database = "./latchkey-conformance.db";

  // Derived by `validate`.
  listen_address address;
  std::optional<listen_address> admin_address;
  common::log_level level = common::log_level::info;
  std::vector<ip_network> trusted_networks;
  // Cookies carry Secure and the __Host- prefix: some origin is https
  // (browsers also treat http://localhost as secure, so a local origin
  // beside it keeps working).
  bool secure_cookies = false;
  webauthn::user_verification uv = webauthn::user_verification::preferred;
  webauthn::attestation_conveyance conveyance =
      webauthn::attestation_conveyance::none;
  std::vector<webauthn::aaguid> allowed_models;
  std::vector<webauthn::aaguid> denied_models;
};

// Declares every option of `serve`, bound to the fields of `s`.
common::option_set serve_options(settings& s);

// Reads flags, environment and file into `s`, then validates it.
common::config_result<settings> load_settings(
    std::span<const std::string_view> args, const common::environment& env);

// Checks the settings as a whole and fills the derived fields: a listen
// address that parses, origins that are https (or http on localhost), with
// no path, and each within the rpId (its host or a subdomain of it); an
// rpId that is not a public suffix (checked against the Public Suffix
// List); TLS files given both or neither; proxies, models and the policy
// words that parse.
common::config_result<void> validate(settings& s);

// "HOST:PORT" or "[V6]:PORT"; the port may be 0 (any free port).
common::config_result<listen_address> parse_listen(std::string_view text);

struct origin_parts {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
};

// Splits a web origin such as "https://example.com:8443". Refuses paths,
// queries, fragments, user info and schemes other than http and https.
common::config_result<origin_parts> parse_origin(std::string_view text);

}  // namespace server
