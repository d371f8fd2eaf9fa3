#include "server/user_commands.hpp"

#include "server/command_support.hpp"

namespace server {

int run_user(std::span<const std::string_view>, const common::environment&,
             std::FILE*, std::FILE* err) {
  say(err, "latchkey user: not available in this build\n");
  return 2;
}

int run_admin_key(std::span<const std::string_view>, const common::environment&,
                  std::FILE*, std::FILE* err) {
  say(err, "latchkey admin-key: not available in this build\n");
  return 2;
}

}  // namespace server
