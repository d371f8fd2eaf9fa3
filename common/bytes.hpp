// Byte strings as every layer passes them around.
//
// `bytes` owns; `byte_view` borrows and must not outlive what it views.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace common {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

// Views text as its bytes (UTF-8 code units), without copying.
inline byte_view as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Views bytes as text, without copying or validating.
inline std::string_view as_text(byte_view data) noexcept {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

inline bytes to_bytes(std::string_view text) {
  const byte_view view = as_bytes(text);
  return {view.begin(), view.end()};
}

}  // namespace common
