#include "common/config.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

namespace common {
namespace {

constexpr std::string_view kPrefix = "LATCHKEY_";
constexpr std::string_view kConfigOption = "config";
constexpr std::size_t kMaxConfigFile = 1 << 20;

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos)
      break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") {
    return true;
  }
  if (text == "false" || text == "0" || text == "no" || text == "off") {
    return false;
  }
  return std::nullopt;
}

}  // namespace

environment latchkey_environment(char** envp) {
  environment env;
  for (char** entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (!text.starts_with(kPrefix))
      continue;
    const auto equals = text.find('=');
    if (equals == std::string_view::npos)
      continue;
    env.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return env;
}

std::string environment_name(std::string_view name) {
  std::string out(kPrefix);
  for (const char c : name) {
    out += c == '-'
               ? '_'
               : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

void option_set::add(std::string name, std::string value_name, std::string help,
                     std::string default_text, value_parser parse) {
  options_.push_back({std::move(name),
                      std::move(value_name),
                      std::move(help),
                      std::move(default_text),
                      kind::single,
                      std::move(parse),
                      {}});
}

void option_set::add_list(std::string name, std::string value_name,
                          std::string help, std::string default_text,
                          list_parser parse) {
  options_.push_back({std::move(name),
                      std::move(value_name),
                      std::move(help),
                      std::move(default_text),
                      kind::list,
                      {},
                      std::move(parse)});
}

void option_set::add_secret(std::string name, std::string help,
                            value_parser parse) {
  options_.push_back({std::move(name),
                      "",
                      std::move(help),
                      "",
                      kind::single,
                      std::move(parse),
                      {},
                      true});
}

void option_set::add_flag(std::string name, std::string help, bool* target) {
  options_.push_back({std::move(name),
                      "",
                      std::move(help),
                      "off",
                      kind::flag,
                      [target](std::string_view text) -> std::string {
                        const auto value = parse_bool(text);
                        if (!value)
                          return "expected true or false, got " + quoted(text);
                        *target = *value;
                        return "";
                      },
                      {}});
}

const option_set::option* option_set::find(std::string_view name) const {
  for (const auto& o : options_) {
    if (o.name == name)
      return &o;
  }
  return nullptr;
}

config_result<void> option_set::read_file(
    const std::string& path, std::map<std::string, given>& out) const {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return config_error{path, "cannot open the configuration file"};
  std::string text(kMaxConfigFile + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfigFile) {
    return config_error{path, "the configuration file is larger than 1 MiB"};
  }
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded())
    return config_error{path, "not valid JSON"};
  if (!json.is_object()) {
    return config_error{path, "the configuration must be a JSON object"};
  }
  for (const auto& [key, value] : json.items()) {
    const std::string where = key + " in " + path;
    const option* o = find(key);
    if (o == nullptr || key == kConfigOption) {
      return config_error{where, "unknown setting"};
    }
    given g{where, {}};
    if (o->type == kind::list) {
      if (!value.is_array()) {
        return config_error{where, "expected an array of strings"};
      }
      for (const auto& item : value) {
        if (!item.is_string()) {
          return config_error{where, "expected an array of strings"};
        }
        g.values.push_back(item.get<std::string>());
      }
    } else if (o->type == kind::flag) {
      if (!value.is_boolean())
        return config_error{where, "expected a boolean"};
      g.values.push_back(value.get<bool>() ? "true" : "false");
    } else if (value.is_string()) {
      g.values.push_back(value.get<std::string>());
    } else if (value.is_number_unsigned()) {
      g.values.push_back(value.dump());
    } else {
      return config_error{where, "expected a string or a whole number"};
    }
    out[o->name] = std::move(g);
  }
  return {};
}

config_result<void> option_set::read_environment(
    const environment& env, std::map<std::string, given>& out) const {
  for (const auto& [variable, value] : env) {
    const option* match = nullptr;
    for (const auto& o : options_) {
      if (environment_name(o.name) == variable)
        match = &o;
    }
    if (variable == environment_name(kConfigOption))
      continue;
    if (match == nullptr)
      return config_error{variable, "unknown setting"};
    given g{variable, {}};
    if (match->type == kind::list) {
      g.values = split_commas(value);
    } else {
      g.values.push_back(value);
    }
    out[match->name] = std::move(g);
  }
  return {};
}

config_result<void> option_set::read_arguments(
    std::span<const std::string_view> args,
    std::map<std::string, given>& out) const {
  std::map<std::string, given> lists;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with("--") || arg.size() == 2) {
      return config_error{std::string(arg), "unexpected argument"};
    }
    arg.remove_prefix(2);
    std::optional<std::string_view> inline_value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const std::string flag = "--" + std::string(arg);
    const option* o = find(arg);
    if (o == nullptr && arg != kConfigOption) {
      return config_error{flag, "unknown option (see --help)"};
    }
    if (o != nullptr && o->secret) {
      return config_error{flag, "a secret is read from " +
                                    environment_name(o->name) +
                                    " or the configuration file, never "
                                    "from the command line"};
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (o != nullptr && o->type == kind::flag) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return config_error{flag, "needs a value"};
    }
    if (arg == kConfigOption)
      continue;
    auto& target = o->type == kind::list ? lists[o->name] : out[o->name];
    if (o->type != kind::list)
      target.values.clear();
    target.source = flag;
    target.values.push_back(std::move(value));
  }
  for (auto& [name, g] : lists)
    out[name] = std::move(g);
  return {};
}

config_result<void> option_set::parse(std::span<const std::string_view> args,
                                      const environment& env) {
  // The file comes first and is named by the strongest source that names it.
  std::string config_path;
  if (const auto it = env.find(environment_name(kConfigOption));
      it != env.end()) {
    config_path = it->second;
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size())
      config_path = args[i + 1];
    if (args[i].starts_with("--config=")) {
      config_path = args[i].substr(std::string_view("--config=").size());
    }
  }
  std::map<std::string, given> values;
  if (!config_path.empty()) {
    if (auto r = read_file(config_path, values); !r)
      return r;
  }
  if (auto r = read_environment(env, values); !r)
    return r;
  if (auto r = read_arguments(args, values); !r)
    return r;

  for (const auto& o : options_) {
    const auto it = values.find(o.name);
    if (it == values.end())
      continue;
    const given& g = it->second;
    std::string problem;
    if (o.type == kind::list) {
      problem = o.parse_list(g.values);
    } else {
      problem = o.parse_single(g.values.front());
    }
    if (!problem.empty())
      return config_error{g.source, problem};
  }
  return {};
}

std::string option_set::help() const {
  std::ostringstream out;
  out << "  --config FILE\n      A JSON object of settings, keyed by option "
         "name.\n      [LATCHKEY_CONFIG]\n";
  for (const auto& o : options_) {
    if (o.secret) {
      out << "  " << environment_name(o.name)
          << " (environment or file)\n      " << o.help << "\n";
      continue;
    }
    out << "  --" << o.name;
    if (!o.value_name.empty())
      out << ' ' << o.value_name;
    if (o.type == kind::list)
      out << "  (repeatable)";
    out << "\n      " << o.help << " [" << environment_name(o.name);
    if (!o.default_text.empty())
      out << "; default: " << o.default_text;
    out << "]\n";
  }
  return out.str();
}

value_parser text_into(std::string* target) {
  return [target](std::string_view text) -> std::string {
    if (text.empty())
      return "must not be empty";
    *target = text;
    return "";
  };
}

value_parser unsigned_into(std::uint64_t* target, std::uint64_t min,
                           std::uint64_t max) {
  return [=](std::string_view text) -> std::string {
    std::uint64_t value = 0;
    const auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    const std::string range = "a whole number from " + std::to_string(min) +
                              " to " + std::to_string(max);
    if (ec != std::errc() || end != text.data() + text.size() || value < min ||
        value > max) {
      return "expected " + range + ", got " + quoted(text);
    }
    *target = value;
    return "";
  };
}

value_parser duration_into(std::chrono::milliseconds* target,
                           std::chrono::milliseconds min,
                           std::chrono::milliseconds max) {
  return [=](std::string_view text) -> std::string {
    std::uint64_t number = 0;
    const auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), number);
    const std::string_view unit =
        text.substr(static_cast<std::size_t>(end - text.data()));
    std::uint64_t scale = 0;
    if (unit.empty() || unit == "s")
      scale = 1000;
    if (unit == "ms")
      scale = 1;
    if (unit == "m")
      scale = 60'000;
    if (unit == "h")
      scale = 3'600'000;
    if (unit == "d")
      scale = 86'400'000;
    const auto bounds = "a duration from " + std::to_string(min.count()) +
                        "ms to " + std::to_string(max.count()) +
                        "ms, such as 30s, 500ms, 5m, 12h or 90d";
    if (ec != std::errc() || scale == 0 || end == text.data() ||
        number > static_cast<std::uint64_t>(max.count()) / scale) {
      return "expected " + bounds + ", got " + quoted(text);
    }
    const std::chrono::milliseconds value(
        static_cast<std::chrono::milliseconds::rep>(number * scale));
    if (value < min || value > max) {
      return "expected " + bounds + ", got " + quoted(text);
    }
    *target = value;
    return "";
  };
}

list_parser list_into(std::vector<std::string>* target) {
  return [target](const std::vector<std::string>& values) -> std::string {
    for (const auto& v : values) {
      if (v.empty())
        return "list entries must not be empty";
    }
    *target = values;
    return "";
  };
}

}  // namespace common
