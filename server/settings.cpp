#include "server/settings.hpp"

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

}  // namespace

common::option_set serve_options(settings& s) {
  common::option_set o;
  add_network_options(o, s);
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
  }
  return {};
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
