#include "server/command_support.hpp"

#include <filesystem>

namespace server {

void say(std::FILE* to, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), to);
}

bool wants_help(std::span<const std::string_view> args) {
  for (const auto arg : args) {
    if (arg == "--help" || arg == "-h")
      return true;
  }
  return false;
}

invocation_result parse_invocation(std::span<const std::string_view> args,
                                   const common::environment& env,
                                   bool takes_operand) {
  invocation inv;
  inv.action = args[0];
  std::size_t first_option = 1;
  if (takes_operand) {
    if (args.size() < 2 || args[1].starts_with("--")) {
      return invocation_result(
          boost::system::in_place_error,
          std::string(inv.action) + " needs an argument (see --help)");
    }
    inv.operand = args[1];
    first_option = 2;
  }
  auto options = serve_options(inv.config);
  if (auto parsed = options.parse(args.subspan(first_option), env); !parsed) {
    return invocation_result(boost::system::in_place_error,
                             parsed.error().message());
  }
  return inv;
}

bool file_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace server
