// What the operator's commands beside `serve` share: printing, --help,
// and reading a command's operand and settings from the same flags,
// variables and --config file as `serve`.
//
// Not thread-safe: commands run once, on the main thread.
#pragma once

#include "common/config.hpp"
#include "server/settings.hpp"

#include <boost/system/result.hpp>

#include <cstdio>
#include <span>
#include <string>
#include <string_view>

namespace server {

void say(std::FILE* to, std::string_view text);

bool wants_help(std::span<const std::string_view> args);

// A command's action, its operand (FILE or KEYID) when it takes one, and
// the settings read from flags, variables and file (not validated: the
// serve-only checks do not apply).
struct invocation {
  std::string_view action;
  std::string operand;
  settings config;
};

using invocation_result = boost::system::result<invocation, std::string>;

// args[0] is the action; args[1] the operand when `takes_operand`.
invocation_result parse_invocation(std::span<const std::string_view> args,
                                   const common::environment& env,
                                   bool takes_operand);

bool file_exists(const std::string& path);

}  // namespace server
