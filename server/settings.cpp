#include "server/settings.hpp"

#include <libpsl.h>

#include <algorithm>
#include <charconv>
#include <thread>

namespace server {
namespace {

using common::config_error;
using std::chrono::milliseconds;

bool parse_port(std::string_view text, std::uint16_t& port) {
  unsigned value = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() ||
      value > 65535) {
    return false;
  }
  port = static_cast<std::uint16_t>(value);
  return true;
}

bool is_lower_host(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

// True when `host` is `rp_id` or a subdomain of it: the relation WebAuthn
// requires between an origin and the RP ID it claims.
bool within_rp_id(std::string_view host, std::string_view rp_id) {
  if (host == rp_id)
    return true;
  return host.size() > rp_id.size() && host.ends_with(rp_id) &&
         host[host.size() - rp_id.size() - 1] == '.';
}

// True when `domain` is a public suffix ("com", "co.uk", "github.io"), on
// which no site may claim an RP ID: its credentials would be every site's.
// The list is Debian's, read through libpsl.
bool is_public_suffix(const std::string& domain) {
  static const psl_ctx_t* const psl = [] {
    const psl_ctx_t* latest = psl_latest(nullptr);
    return latest != nullptr ? latest : psl_builtin();
  }();
  if (psl == nullptr)
    return domain.find('.') == std::string::npos;
  return psl_is_public_suffix2(psl, domain.c_str(),
                               PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}

common::config_result<void> validate_policy(settings& s) {
  if (s.user_verification == "required") {
    s.uv = webauthn::user_verification::required;
  } else if (s.user_verification == "preferred") {
    s.uv = webauthn::user_verification::preferred;
  } else if (s.user_verification == "discouraged") {
    s.uv = webauthn::user_verification::discouraged;
  } else {
    return config_error{"user-verification",
                        "expected required, preferred or discouraged"};
  }
  const std::pair<const char*, webauthn::attestation_conveyance> words[] = {
      {"none", webauthn::attestation_conveyance::none},
      {"indirect", webauthn::attestation_conveyance::indirect},
      {"direct", webauthn::attestation_conveyance::direct},
      {"enterprise", webauthn::attestation_conveyance::enterprise}};
  const auto word =
      std::find_if(std::begin(words), std::end(words),
                   [&](const auto& w) { return s.attestation == w.first; });
  if (word == std::end(words)) {
    return config_error{"attestation",
                        "expected none, indirect, direct or enterprise"};
  }
  s.conveyance = word->second;
  for (auto [texts, models, name] :
       {std::tuple{&s.allowed_aaguids, &s.allowed_models, "allow-aaguid"},
        std::tuple{&s.denied_aaguids, &s.denied_models, "deny-aaguid"}}) {
    models->clear();
    for (const auto& text : *texts) {
      const auto model = webauthn::parse_aaguid(text);
      if (!model) {
        return config_error{std::string(name) + " " + text,
                            "expected a UUID such as "
                            "cb69481e-8ff7-4039-93ec-0a2729a154a8"};
      }
      models->push_back(*model);
    }
  }
  return {};
}

common::config_result<void> validate_network(settings& s) {
  if (s.tls_cert.empty() != s.tls_key.empty()) {
    return config_error{s.tls_cert.empty() ? "tls-cert" : "tls-key",
                        "--tls-cert and --tls-key go together"};
  }
  s.trusted_networks.clear();
  for (const auto& text : s.trusted_proxies) {
    const auto network = parse_network(text);
    if (!network) {
      return config_error{"trusted-proxy " + text,
                          "expected an address or ADDRESS/BITS"};
    }
    s.trusted_networks.push_back(*network);
  }
  for (const auto& text : s.related_origins) {
    auto origin = parse_origin(text);
    if (!origin)
      return origin.error();
    if (origin->scheme != "https") {
      return config_error{"related-origin " + text, "must be https"};
    }
  }
  return {};
}

void add_network_options(common::option_set& o, settings& s) {
  o.add("listen", "HOST:PORT", "Address to listen on; port 0 picks a free one.",
        s.listen, common::text_into(&s.listen));
  o.add("threads", "N", "Worker threads; 0 means one per core.", "0",
        common::unsigned_into(&s.threads, 0, 256));
  o.add("max-connections", "N",
        "Open connections at most; more are answered 503 and closed.",
        std::to_string(s.max_connections),
        common::unsigned_into(&s.max_connections, 1, 1'000'000));
  o.add("body-limit", "BYTES", "Largest request body; larger ones get 413.",
        std::to_string(s.body_limit),
        common::unsigned_into(&s.body_limit, 1024, 16 << 20));
  o.add("header-limit", "BYTES",
        "Largest request head (request line and headers); larger gets 431.",
        std::to_string(s.header_limit),
        common::unsigned_into(&s.header_limit, 1024, 1 << 20));
  const milliseconds ms(1);
  const milliseconds hour = std::chrono::hours(1);
  o.add("header-timeout", "DURATION",
        "Time a client has to send a request's head once it has started.",
        "10s", common::duration_into(&s.header_timeout, ms, hour));
  o.add("body-timeout", "DURATION",
        "Time a client has to send a request's body, and to read an answer.",
        "30s", common::duration_into(&s.body_timeout, ms, hour));
  o.add("idle-timeout", "DURATION",
        "Time a kept-alive connection may wait for its next request.", "60s",
        common::duration_into(&s.idle_timeout, ms, hour));
  o.add("shutdown-grace", "DURATION",
        "On SIGINT or SIGTERM, time that requests in flight get to finish.",
        "10s", common::duration_into(&s.shutdown_grace, ms, hour));
}

void add_tls_options(common::option_set& o, settings& s) {
  o.add("tls-cert", "FILE",
        "Serve HTTPS with this certificate chain (PEM); needs --tls-key.", "",
        common::text_into(&s.tls_cert));
  o.add("tls-key", "FILE", "The private key of --tls-cert (PEM).", "",
        common::text_into(&s.tls_key));
  o.add_list("trusted-proxy", "ADDRESS[/BITS]",
             "A proxy whose X-Forwarded-For gives the client address.", "",
             common::list_into(&s.trusted_proxies));
}

void add_session_options(common::option_set& o, settings& s) {
  const milliseconds second = std::chrono::seconds(1);
  const milliseconds day = std::chrono::hours(24);
  o.add("ceremony-timeout", "DURATION",
        "How long a WebAuthn ceremony may take before its challenge expires.",
        "5m", common::duration_into(&s.ceremony_timeout, second, day));
  o.add("session-idle", "DURATION", "A session unused for this long ends.",
        "30m", common::duration_into(&s.session_idle, second, day));
  o.add("session-lifetime", "DURATION",
        "A session ends this long after sign-in, used or not.", "12h",
        common::duration_into(&s.session_lifetime, second, 30 * day));
  o.add("reauth-window", "DURATION",
        "How recent a strong sign-in must be to add or change a factor.", "5m",
        common::duration_into(&s.reauth_window, second, day));
  o.add("ceremonies-per-minute", "N",
        "Ceremonies one client address may begin per minute without a "
        "session.",
        std::to_string(s.ceremonies_per_minute),
        common::unsigned_into(&s.ceremonies_per_minute, 1, 1'000'000));
  o.add_flag("insecure-disable-address-limits",
             "Turn off every per-address limit, for a conformance tool or a "
             "load test that plays many users from one address.",
             &s.insecure_disable_address_limits);
  o.add_list("related-origin", "URL",
             "Another origin that may use these credentials; listed at "
             "/.well-known/webauthn.",
             "", common::list_into(&s.related_origins));
}

void add_factor_options(common::option_set& o, settings& s) {
  const milliseconds minute = std::chrono::minutes(1);
  const milliseconds day = std::chrono::hours(24);
  o.add_flag("insecure-single-factor",
             "Let a password alone sign in, without a second factor.",
             &s.insecure_single_factor);
  o.add_flag("require-phishing-resistant",
             "Once a user has a security key or passkey, accept no TOTP "
             "code as their second factor.",
             &s.require_phishing_resistant);
  o.add("breached-passwords", "FILE",
        "Refuse passwords listed here: one a line, as text or as the hex "
        "SHA-1 of the password (optionally followed by :COUNT).",
        "", common::text_into(&s.breached_passwords));
  o.add("password-min-length", "N", "Shortest password, in characters.",
        std::to_string(s.password_min_length),
        common::unsigned_into(&s.password_min_length, 8, 64));
  o.add("password-max-bytes", "N", "Longest password, in bytes of UTF-8.",
        std::to_string(s.password_max_bytes),
        common::unsigned_into(&s.password_max_bytes, 64, 4096));
  o.add("password-memory-kib", "KIB", "Argon2id memory per password hash.",
        std::to_string(s.password_memory_kib),
        common::unsigned_into(&s.password_memory_kib, 19 * 1024, 1 << 20));
  o.add("password-passes", "N", "Argon2id passes per password hash.",
        std::to_string(s.password_passes),
        common::unsigned_into(&s.password_passes, 2, 32));
  o.add("hash-threads", "N",
        "Threads for password and recovery-code hashes; 0: one per core.", "0",
        common::unsigned_into(&s.hash_threads, 0, 256));
  o.add("hash-queue", "N",
        "Hashes that may wait for a thread; more are answered 503.",
        std::to_string(s.hash_queue),
        common::unsigned_into(&s.hash_queue, 1, 100'000));
  o.add("reset-token-lifetime", "DURATION",
        "How long a password reset or enrollment link stays valid.", "24h",
        common::duration_into(&s.reset_token_lifetime, minute, 30 * day));
  o.add("free-failures", "N",
        "Failed guesses an account gets before delays start.",
        std::to_string(s.free_failures),
        common::unsigned_into(&s.free_failures, 0, 1000));
  o.add("lockout-failures", "N",
        "Consecutive failed guesses that lock a factor until an admin or a "
        "recovery code clears it.",
        std::to_string(s.lockout_failures),
        common::unsigned_into(&s.lockout_failures, 1, 100));
  o.add("max-delay", "DURATION", "Longest delay after failed guesses.", "1h",
        common::duration_into(&s.max_delay, std::chrono::seconds(1), day));
  o.add("address-failures-per-hour", "N",
        "Failed guesses one client address may make in an hour.",
        std::to_string(s.address_failures_per_hour),
        common::unsigned_into(&s.address_failures_per_hour, 1, 1'000'000));
  o.add("admin-listen", "HOST:PORT",
        "Address of the admin API and /metrics; empty turns them off.",
        s.admin_listen, common::text_into(&s.admin_listen));
  o.add("audit-address-retention", "DURATION",
        "Audit events keep addresses and user agents this long; 0 keeps "
        "them.",
        "90d", [&s, day](std::string_view text) -> std::string {
          if (text == "0") {
            s.audit_address_retention = milliseconds(0);
            return {};
          }
          return common::duration_into(&s.audit_address_retention,
                                       std::chrono::hours(1), 3650 * day)(text);
        });
}

void add_policy_options(common::option_set& o, settings& s) {
  o.add("attestation-roots", "DIR",
        "Trusted attestation roots (.pem, .crt, .der) and CRLs (.crl).", "",
        common::text_into(&s.attestation_roots));
  o.add("metadata", "PATH",
        "FIDO metadata: an MDS3 BLOB (.jwt), a statement or BLOB entry "
        "(.json), or a folder of them.",
        "", common::text_into(&s.metadata));
  o.add("metadata-roots", "DIR", "Roots that sign the MDS3 BLOB.", "",
        common::text_into(&s.metadata_roots));
  o.add("metadata-signer", "HOST",
        "The host the BLOB signer's certificate must name.", s.metadata_signer,
        common::text_into(&s.metadata_signer));
  o.add_list("allow-aaguid", "UUID",
             "Accept only these authenticator models, attested by their "
             "metadata.",
             "", common::list_into(&s.allowed_aaguids));
  o.add_list("deny-aaguid", "UUID", "Refuse these authenticator models.", "",
             common::list_into(&s.denied_aaguids));
  o.add_flag("require-trusted-attestation",
             "Refuse registrations whose attestation chains to no trusted "
             "root.",
             &s.require_trusted_attestation);
  o.add_flag("refuse-synced", "Refuse backup-eligible (synced) credentials.",
             &s.refuse_synced);
  o.add_flag("refuse-sha1", "Refuse SHA-1 in attestation, tpm included.",
             &s.refuse_sha1);
  o.add("user-verification", "REQUIREMENT",
        "required, preferred or discouraged, for every ceremony.",
        s.user_verification, common::text_into(&s.user_verification));
  o.add("attestation", "CONVEYANCE",
        "Attestation to ask for: none, indirect, direct or enterprise.",
        s.attestation, common::text_into(&s.attestation));
  o.add_flag("conformance-api",
             "Serve the FIDO conformance-testing API. Anyone can register a "
             "key there; its users are kept apart from the accounts.",
             &s.conformance_api);
  o.add("conformance-database", "FILE",
        "SQLite database of the conformance API's users.",
        s.conformance_database, common::text_into(&s.conformance_database));
}

}  // namespace

common::option_set serve_options(settings& s) {
  common::option_set o;
  add_network_options(o, s);
  add_tls_options(o, s);
  add_session_options(o, s);
  add_factor_options(o, s);
  add_policy_options(o, s);
  o.add("rp-id", "DOMAIN",
        "WebAuthn relying party ID: the origins' host or a parent domain.",
        s.rp_id, common::text_into(&s.rp_id));
  o.add("rp-name", "NAME", "Name shown by authenticators.", s.rp_name,
        common::text_into(&s.rp_name));
  o.add_list("origin", "URL",
             "An origin that may run ceremonies: https, or http on localhost.",
             "http://localhost:8080", common::list_into(&s.origins));
  o.add("database", "FILE", "SQLite database file.", s.database,
        common::text_into(&s.database));
  o.add("key-file", "FILE",
        "File holding the keys that seal stored secrets (mode 0600).",
        s.key_file, common::text_into(&s.key_file));
  o.add_secret("secret-keys",
               "The keys that seal secrets, as the key file's JSON; "
               "overrides --key-file.",
               common::text_into(&s.secret_keys));
  o.add("web-root", "DIR",
        "Serve the demo pages from this folder instead of the built-in copy.",
        "built in", common::text_into(&s.web_root));
  o.add("log-level", "LEVEL", "debug, info, warn, error or off.", s.log_level,
        common::text_into(&s.log_level));
  return o;
}

common::config_result<listen_address> parse_listen(std::string_view text) {
  const std::string name = "listen";
  listen_address out;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) {
      return config_error{name, "expected [IPV6]:PORT"};
    }
    out.host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return config_error{name, "expected HOST:PORT, such as 127.0.0.1:8080"};
    }
    out.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (!parse_port(port_text, out.port)) {
    return config_error{name, "the port must be a number from 0 to 65535"};
  }
  return out;
}

common::config_result<origin_parts> parse_origin(std::string_view text) {
  const std::string name = "origin " + std::string(text);
  origin_parts out;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return config_error{name, "expected scheme://host[:port]"};
  }
  out.scheme = text.substr(0, scheme_end);
  if (out.scheme != "https" && out.scheme != "http") {
    return config_error{name, "the scheme must be https or http"};
  }
  std::string_view rest = text.substr(scheme_end + 3);
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    return config_error{name,
                        "an origin has no path, query, fragment or user info"};
  }
  out.port = out.scheme == "https" ? 443 : 80;
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    if (!parse_port(rest.substr(colon + 1), out.port) || out.port == 0) {
      return config_error{name, "the port must be a number from 1 to 65535"};
    }
    rest = rest.substr(0, colon);
  }
  if (!is_lower_host(rest)) {
    return config_error{name, "the host must be a lower-case domain name"};
  }
  out.host = rest;
  return out;
}

common::config_result<void> validate(settings& s) {
  auto address = parse_listen(s.listen);
  if (!address)
    return address.error();
  s.address = *address;

  const auto level = common::parse_log_level(s.log_level);
  if (!level) {
    return config_error{"log-level",
                        "expected debug, info, warn, error or off"};
  }
  s.level = *level;
  if (s.threads == 0) {
    s.threads = std::max(1u, std::thread::hardware_concurrency());
  }

  if (!is_lower_host(s.rp_id) || s.rp_id.front() == '.' ||
      s.rp_id.back() == '.') {
    return config_error{"rp-id", "must be a lower-case domain name"};
  }
  if (s.rp_id != "localhost" && is_public_suffix(s.rp_id)) {
    return config_error{"rp-id", s.rp_id +
                                     " is a public suffix, shared by many "
                                     "sites; use your own domain"};
  }
  if (s.origins.empty()) {
    return config_error{"origin", "at least one origin is needed"};
  }
  for (const auto& text : s.origins) {
    auto origin = parse_origin(text);
    if (!origin)
      return origin.error();
    // Plain http is only safe where the network cannot be watched.
    if (origin->scheme == "http" && origin->host != "localhost") {
      return config_error{"origin " + text,
                          "http is allowed for localhost only; use https"};
    }
    if (!within_rp_id(origin->host, s.rp_id)) {
      return config_error{
          "origin " + text,
          "its host is not the rp-id " + s.rp_id + " or a subdomain of it"};
    }
    s.secure_cookies = s.secure_cookies || origin->scheme == "https";
  }
  if (auto network = validate_network(s); !network)
    return network;
  s.admin_address.reset();
  if (!s.admin_listen.empty()) {
    auto admin = parse_listen(s.admin_listen);
    if (!admin)
      return config_error{"admin-listen", admin.error().message()};
    s.admin_address = *admin;
  }
  if (s.hash_threads == 0)
    s.hash_threads = std::max(1u, std::thread::hardware_concurrency());
  return validate_policy(s);
}

common::config_result<settings> load_settings(
    std::span<const std::string_view> args, const common::environment& env) {
  settings s;
  auto options = serve_options(s);
  if (auto parsed = options.parse(args, env); !parsed)
    return parsed.error();
  if (auto valid = validate(s); !valid)
    return valid.error();
  return s;
}

}  // namespace server
