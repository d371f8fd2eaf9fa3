// Settings from three sources, in rising precedence: an optional JSON file,
// LATCHKEY_* environment variables, and command-line flags.
//
// Each option has one name that spells all three: `origin` is `--origin`,
// `LATCHKEY_ORIGIN` and the JSON key "origin". A list option given in a
// stronger source replaces the weaker one's list, never merges with it.
// Unknown flags, variables and keys are errors, as are values that do not
// parse; every error names the setting, where it came from, and what was
// wrong. The file is named by `--config FILE` or LATCHKEY_CONFIG.
//
// Not thread-safe: build and parse an option_set on one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

namespace common {

struct config_error {
  std::string setting;  // "--listen", "LATCHKEY_LISTEN", "listen in a.json"
  std::string problem;  // what was wrong, in a sentence
  std::string message() const { return setting + ": " + problem; }
};

template <class Stream>
Stream& operator<<(Stream& out, const config_error& e) {
  out << e.message();
  return out;
}

template <class T>
using config_result = boost::system::result<T, config_error>;

using environment = std::map<std::string, std::string, std::less<>>;

// The LATCHKEY_* variables of `envp` (as main's third argument or environ).
environment latchkey_environment(char** envp);

// A value parser: stores the value and returns "" or says what is wrong.
using value_parser = std::function<std::string(std::string_view)>;
using list_parser = std::function<std::string(const std::vector<std::string>&)>;

class option_set {
 public:
  // A single-valued option. `default_text` is shown in the help only.
  void add(std::string name, std::string value_name, std::string help,
           std::string default_text, value_parser parse);

  // A repeatable option: `--origin A --origin B`, a comma-separated
  // variable, or a JSON array of strings.
  void add_list(std::string name, std::string value_name, std::string help,
                std::string default_text, list_parser parse);

  // A secret: taken from the environment or the file only, never from a
  // flag, where any user of the machine could read it in the process list.
  void add_secret(std::string name, std::string help, value_parser parse);

  // An on/off option: `--name`, `--name=false`, a variable of true/false/1/0,
  // or a JSON boolean.
  void add_flag(std::string name, std::string help, bool* target);

  // Reads the sources and applies every value given. `args` are the
  // arguments after the subcommand. Positional arguments are refused.
  config_result<void> parse(std::span<const std::string_view> args,
                            const environment& env);

  // One paragraph per option, for `--help`.
  std::string help() const;

 private:
  enum class kind { single, list, flag };
  struct option {
    std::string name;
    std::string value_name;
    std::string help;
    std::string default_text;
    kind type;
    value_parser parse_single;
    list_parser parse_list;
    bool secret = false;
  };
  struct given {
    std::string source;
    std::vector<std::string> values;
  };

  const option* find(std::string_view name) const;
  config_result<void> read_file(const std::string& path,
                                std::map<std::string, given>& out) const;
  config_result<void> read_environment(const environment& env,
                                       std::map<std::string, given>& out) const;
  config_result<void> read_arguments(std::span<const std::string_view> args,
                                     std::map<std::string, given>& out) const;

  std::vector<option> options_;
};

// Parsers for the common value types. Each returns "" on success.
value_parser text_into(std::string* target);
value_parser unsigned_into(std::uint64_t* target, std::uint64_t min,
                           std::uint64_t max);
// Durations such as "30s", "500ms", "5m", "12h"; a bare number is seconds.
value_parser duration_into(std::chrono::milliseconds* target,
                           std::chrono::milliseconds min,
                           std::chrono::milliseconds max);
list_parser list_into(std::vector<std::string>* target);

// The environment variable that spells option `name`: LATCHKEY_RP_ID.
std::string environment_name(std::string_view name);

}  // namespace common
