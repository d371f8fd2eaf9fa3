// Files compiled into the binary by server/embed_assets.cmake, so that
// `latchkey serve` needs nothing beside it: the pages of web_demo/ and the
// API's documents in docs/api/.
#pragma once

#include <span>
#include <string_view>

namespace server {

struct embedded_asset {
  std::string_view path;  // "/index.html"
  std::string_view body;
};

std::span<const embedded_asset> embedded_assets() noexcept;
std::span<const embedded_asset> api_documents() noexcept;

}  // namespace server
