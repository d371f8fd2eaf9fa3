// The `latchkey` command: `serve` runs the server; more subcommands join
// as the layers they need arrive.
#include "server/admin_commands.hpp"
#include "server/app.hpp"
#include "server/command_support.hpp"
#include "server/metadata_command.hpp"
#include "server/settings.hpp"
#include "server/user_commands.hpp"
#include "server/verify_command.hpp"

#include <cstdio>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view kUsage =
    "Usage: latchkey COMMAND [OPTIONS]\n"
    "\n"
    "A WebAuthn relying-party server with TOTP and recovery codes as\n"
    "fallback second factors.\n"
    "\n"
    "Commands:\n"
    "  serve      Run the HTTP server (see latchkey serve --help).\n"
    "  verify     Check a captured WebAuthn response offline\n"
    "             (see latchkey verify --help).\n"
    "  db         Check the database, or copy it while the server runs\n"
    "             (see latchkey db --help).\n"
    "  keys       Add, activate, retire and list the keys that seal\n"
    "             secrets (see latchkey keys --help).\n"
    "  metadata   Load a new FIDO metadata BLOB and re-check stored\n"
    "             credentials (see latchkey metadata --help).\n"
    "  user       Add, list, show, disable, reset and delete accounts\n"
    "             (see latchkey user --help).\n"
    "  admin-key  Add, list and remove keys of the admin API\n"
    "             (see latchkey admin-key --help).\n"
    "\n"
    "Options:\n"
    "  --help     Show this text.\n"
    "  --version  Show the version.\n";

constexpr std::string_view kServeUsage =
    "Usage: latchkey serve [OPTIONS]\n"
    "\n"
    "Runs the HTTP server until SIGINT or SIGTERM. Each option can also be\n"
    "set by the environment variable in brackets or by a key of the same\n"
    "name in a JSON file given with --config. Flags win over variables,\n"
    "variables over the file.\n"
    "\n"
    "Options:\n";

int run_serve(std::span<const std::string_view> args, char** envp) {
  if (server::wants_help(args)) {
    server::settings defaults;
    server::say(stdout, kServeUsage);
    server::say(stdout, server::serve_options(defaults).help());
    return 0;
  }
  auto config = server::load_settings(args, common::latchkey_environment(envp));
  if (!config) {
    server::say(stderr, "latchkey: " + config.error().message() + "\n");
    return 2;
  }
  const common::logger log(config->level);
  return server::serve(*config, log);
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" ||
      args[0] == "help") {
    server::say(args.empty() ? stderr : stdout, kUsage);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    server::say(stdout, "latchkey " LATCHKEY_VERSION "\n");
    return 0;
  }
  const std::span<const std::string_view> rest(args.begin() + 1, args.end());
  if (args[0] == "serve")
    return run_serve(rest, envp);
  if (args[0] == "verify")
    return server::run_verify(rest, stdout, stderr);
  if (args[0] == "db") {
    return server::run_db(rest, common::latchkey_environment(envp), stdout,
                          stderr);
  }
  if (args[0] == "user") {
    return server::run_user(rest, common::latchkey_environment(envp), stdout,
                            stderr);
  }
  if (args[0] == "admin-key") {
    return server::run_admin_key(rest, common::latchkey_environment(envp),
                                 stdout, stderr);
  }
  if (args[0] == "metadata") {
    return server::run_metadata(rest, common::latchkey_environment(envp),
                                stdout, stderr);
  }
  if (args[0] == "keys") {
    return server::run_keys(rest, common::latchkey_environment(envp), stdout,
                            stderr);
  }
  server::say(stderr, "latchkey: unknown command \"" + std::string(args[0]) +
                          "\" (see latchkey --help)\n");
  return 2;
}
