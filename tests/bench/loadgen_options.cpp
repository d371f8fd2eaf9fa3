#include "tests/bench/loadgen_options.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <limits>
#include <vector>

namespace loadgen {
namespace {

constexpr std::string_view kUsage =
    "Usage: latchkey_loadgen [OPTIONS]\n"
    "\n"
    "Registers users on a WebAuthn server, then runs full passkey sign-ins\n"
    "(options, then result) against it for a fixed time, and prints the\n"
    "figures one per line. Each virtual client has its own keep-alive\n"
    "HTTP/1.1 connection, its own cookies and its own share of the users;\n"
    "each user has one ES256 credential in a software authenticator.\n"
    "\n"
    "Options:\n"
    "  --target URL        Server to drive, http://HOST:PORT.\n"
    "                      Default: http://127.0.0.1:8080.\n"
    "  --api NAME          conformance: the FIDO conformance-testing API\n"
    "                      (/attestation/*, /assertion/*); latchkey: the\n"
    "                      account API (/api/v1/signup/*, /api/v1/signin/*).\n"
    "                      Default: conformance.\n"
    "  --origin URL        Origin written into clientDataJSON and sent in\n"
    "                      the Origin header. Default: http://localhost:PORT\n"
    "                      with the port of --target.\n"
    "  --clients N         Virtual clients, one connection each. Default: 16.\n"
    "  --threads N         Threads the clients are spread over. Default: 1.\n"
    "  --users N           Users registered before the sign-ins, at least\n"
    "                      one per client. Default: 1000.\n"
    "  --duration SECONDS  Length of the sign-in phase. Default: 10.\n"
    "  --timeout SECONDS   Longest wait for one answer. Default: 10.\n"
    "  --connect-wait SECONDS\n"
    "                      Keep retrying the first connection this long, for\n"
    "                      a server that is still starting. Default: 0.\n"
    "  --server-pid PID    Server process to measure: its CPU time during\n"
    "                      the sign-ins (from /proc/PID/stat), its peak and\n"
    "                      current memory (from /proc/PID/status).\n"
    "  --user-prefix TEXT  Start of every username, then a number.\n"
    "                      Default: loadgen-RANDOM-, new for each run.\n"
    "  --help              Show this text.\n"
    "\n"
    "A sign-in counts as done when the result answer is 200 with status\n"
    "\"ok\" (conformance) or 200 (latchkey); anything else is an error, and\n"
    "the first distinct error answers are printed. Exit status: 0 after a\n"
    "run without errors, 3 after a run with some, 1 when the server cannot\n"
    "be reached or no user registered, 2 on bad usage.\n";

using parsed = boost::system::result<options, usage_error>;
using setter = std::function<std::string(std::string_view)>;

std::optional<std::uint64_t> to_unsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty())
    return std::nullopt;
  return value;
}

setter count_into(std::size_t* target, std::size_t max) {
  return [target, max](std::string_view text) -> std::string {
    const auto value = to_unsigned(text);
    if (!value || *value == 0 || *value > max)
      return "must be a whole number from 1 to " + std::to_string(max);
    *target = static_cast<std::size_t>(*value);
    return "";
  };
}

// Seconds as "10" or "2.5", kept in milliseconds.
setter seconds_into(std::chrono::milliseconds* target, bool zero_allowed) {
  return [target, zero_allowed](std::string_view text) -> std::string {
    double seconds = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
    if (ec != std::errc() || ptr != end || text.empty() || seconds < 0 ||
        (seconds == 0 && !zero_allowed) || seconds > 86'400) {
      return zero_allowed ? "must be a number of seconds from 0 to 86400"
                          : "must be a number of seconds above 0, at most "
                            "86400";
    }
    *target = std::chrono::milliseconds(
        static_cast<std::int64_t>(seconds * 1000 + 0.5));
    return "";
  };
}

// Only plain http: the load generator measures ceremonies, not TLS.
std::string set_target(std::string_view text, options& o) {
  constexpr std::string_view scheme = "http://";
  if (!text.starts_with(scheme))
    return "must be http://HOST:PORT";
  text.remove_prefix(scheme.size());
  if (text.ends_with('/'))
    text.remove_suffix(1);
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return "must be http://HOST:PORT";
  const auto port = to_unsigned(text.substr(colon + 1));
  if (!port || *port == 0 || *port > 65535)
    return "has no port from 1 to 65535";
  o.host = text.substr(0, colon);
  if (o.host.starts_with('[') && o.host.ends_with(']'))
    o.host = o.host.substr(1, o.host.size() - 2);
  o.port = static_cast<std::uint16_t>(*port);
  return "";
}

std::vector<std::pair<std::string_view, setter>> setters(options& o) {
  constexpr auto max_count = std::size_t{1} << 24;
  return {
      {"target", [&o](std::string_view t) { return set_target(t, o); }},
      {"api",
       [&o](std::string_view t) -> std::string {
         if (t == "conformance") {
           o.api = api_kind::conformance;
         } else if (t == "latchkey") {
           o.api = api_kind::latchkey;
         } else {
           return "must be conformance or latchkey";
         }
         return "";
       }},
      {"origin",
       [&o](std::string_view t) -> std::string {
         if (!t.starts_with("http://") && !t.starts_with("https://"))
           return "must start with http:// or https://";
         o.origin = t;
         return "";
       }},
      {"clients", count_into(&o.clients, 65'536)},
      {"threads", count_into(&o.threads, 256)},
      {"users", count_into(&o.users, max_count)},
      {"duration", seconds_into(&o.duration, false)},
      {"timeout", seconds_into(&o.timeout, false)},
      {"connect-wait", seconds_into(&o.connect_wait, true)},
      {"server-pid",
       [&o](std::string_view t) -> std::string {
         constexpr auto max_pid =
             static_cast<std::uint64_t>(std::numeric_limits<int>::max());
         const auto pid = to_unsigned(t);
         if (!pid || *pid == 0 || *pid > max_pid)
           return "must be a process id";
         o.server_pid = static_cast<int>(*pid);
         return "";
       }},
      {"user-prefix",
       [&o](std::string_view t) -> std::string {
         if (t.empty())
           return "must not be empty";
         o.user_prefix = t;
         return "";
       }},
  };
}

// Cross-option rules, once every flag is read.
std::string check(options& o) {
  if (o.threads > o.clients)
    return "--threads: must not exceed --clients";
  if (o.users < o.clients)
    return "--users: must be at least --clients, so each has a user";
  if (o.origin.empty())
    o.origin = "http://localhost:" + std::to_string(o.port);
  return "";
}

}  // namespace

parsed parse_options(std::span<const std::string_view> args) {
  options o;
  const auto table = setters(o);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      return o;
    }
    if (!arg.starts_with("--"))
      return usage_error{std::string(arg) + ": unexpected argument"};
    arg.remove_prefix(2);
    std::optional<std::string_view> value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const std::string flag = "--" + std::string(arg);
    const auto it = std::find_if(table.begin(), table.end(),
                                 [&](const auto& e) { return e.first == arg; });
    if (it == table.end())
      return usage_error{flag + ": unknown option (see --help)"};
    if (!value) {
      if (i + 1 == args.size())
        return usage_error{flag + ": needs a value"};
      value = args[++i];
    }
    if (const auto problem = it->second(*value); !problem.empty())
      return usage_error{flag + ": " + problem};
  }
  if (const auto problem = check(o); !problem.empty())
    return usage_error{problem};
  return o;
}

std::string_view usage_text() {
  return kUsage;
}

std::string origin_host(std::string_view origin) {
  if (const auto scheme = origin.find("://"); scheme != std::string::npos)
    origin.remove_prefix(scheme + 3);
  if (origin.starts_with('[')) {
    origin.remove_prefix(1);
    return std::string(origin.substr(0, origin.find(']')));
  }
  return std::string(origin.substr(0, origin.find_first_of(":/")));
}

}  // namespace loadgen
