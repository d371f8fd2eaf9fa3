// The settings of `latchkey serve`, where they come from, and the checks
// that refuse a configuration that would be unsafe or cannot work.
//
// Not thread-safe while being parsed; read-only afterwards.
#pragma once

#include "common/config.hpp"
#include "common/log.hpp"

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

  // Derived by `validate`.
  listen_address address;
  common::log_level level = common::log_level::info;
};

// Declares every option of `serve`, bound to the fields of `s`.
common::option_set serve_options(settings& s);

// Reads flags, environment and file into `s`, then validates it.
common::config_result<settings> load_settings(
    std::span<const std::string_view> args, const common::environment& env);

// Checks the settings as a whole and fills the derived fields: a listen
// address that parses, origins that are https (or http on localhost), with
// no path, and each within the rpId (its host or a subdomain of it).
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
