// The operator's commands for accounts and API keys:
//
//   latchkey user add|list|show|disable|enable|reset-password|
//                 reset-factors|delete ...
//   latchkey admin-key add|list|remove ...
//
// They read --database like `serve`, and every change is audited.
//
// Not thread-safe: each runs once, on the main thread.
#pragma once

#include "common/config.hpp"

#include <cstdio>
#include <span>
#include <string_view>

namespace server {

int run_user(std::span<const std::string_view> args,
             const common::environment& env, std::FILE* out, std::FILE* err);

int run_admin_key(std::span<const std::string_view> args,
                  const common::environment& env, std::FILE* out,
                  std::FILE* err);

}  // namespace server
