// The command line of latchkey_loadgen: what to drive, how hard, for how
// long, and which server process to measure.
//
// Pure functions; thread-safe.
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace loadgen {

// Which HTTP API the ceremonies go through (see loadgen_api.hpp).
enum class api_kind { conformance, latchkey };

struct options {
  std::string host = "127.0.0.1";  // from --target
  std::uint16_t port = 8080;
  std::string origin;  // --origin, or http://localhost:PORT
  api_kind api = api_kind::conformance;
  std::size_t clients = 16;
  std::size_t threads = 1;
  std::size_t users = 1000;
  std::chrono::milliseconds duration{10'000};
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds connect_wait{0};
  std::optional<int> server_pid;
  std::string user_prefix;  // empty: a random one per run
  bool help = false;
};

// What went wrong with the command line, in a sentence naming the option.
struct usage_error {
  std::string message;
};

// Reads the arguments after the program name. With --help, `help` is set
// and the other options may be left unchecked.
boost::system::result<options, usage_error> parse_options(
    std::span<const std::string_view> args);

// The text --help prints.
std::string_view usage_text();

// The host of an http origin such as "http://localhost:8080", which is the
// rpId a browser would use when the options name none.
std::string origin_host(std::string_view origin);

}  // namespace loadgen
