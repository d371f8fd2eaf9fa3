// The files of web_demo/, compiled into the binary by
// server/embed_assets.cmake so that `latchkey serve` needs nothing else.
#pragma once

#include <span>
#include <string_view>

namespace server {

struct embedded_asset {
  std::string_view path;  // "/index.html"
  std::string_view body;
};

std::span<const embedded_asset> embedded_assets() noexcept;

}  // namespace server
