#include "common/log.hpp"

#include <array>
#include <cinttypes>
#include <ctime>

namespace common {
namespace {

bool is_bare(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == '/' || c == ':' || c == '@' || c == '+' || c == ',';
}

void append_timestamp(std::string& out, time_point t) {
  const auto since = t.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since - seconds);
  const std::time_t whole = static_cast<std::time_t>(seconds.count());
  std::tm parts{};
  gmtime_r(&whole, &parts);
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(),
                "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min,
                parts.tm_sec, static_cast<int>(millis.count()));
  out += buffer.data();
}

}  // namespace

std::string_view to_string(log_level level) noexcept {
  switch (level) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
    case log_level::off:
      return "off";
  }
  return "unknown";
}

std::optional<log_level> parse_log_level(std::string_view text) noexcept {
  for (const auto level : {log_level::debug, log_level::info, log_level::warn,
                           log_level::error, log_level::off}) {
    if (text == to_string(level))
      return level;
  }
  return std::nullopt;
}

log_field::log_field(std::string_view key, double value) : key_(key) {
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.3f", value);
  value_ = buffer.data();
}

void append_log_value(std::string& out, std::string_view value) {
  bool bare = !value.empty();
  for (const char c : value)
    bare = bare && is_bare(static_cast<unsigned char>(c));
  if (bare) {
    out += value;
    return;
  }
  out += '"';
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      // Non-ASCII is escaped too: it keeps terminal escape sequences and
      // invalid UTF-8 out of whatever reads the log.
      std::array<char, 5> hex{};
      std::snprintf(hex.data(), hex.size(), "\\x%02x", c);
      out += hex.data();
    } else {
      out += ch;
    }
  }
  out += '"';
}

logger::logger(log_level level, std::FILE* sink, const clock& time)
    : level_(level), sink_(sink), clock_(time) {}

const clock& logger::default_clock() noexcept {
  static const system_clock instance;
  return instance;
}

std::string logger::format(log_level level, std::string_view event,
                           std::initializer_list<log_field> fields) const {
  std::string line;
  line.reserve(128);
  line += "ts=";
  append_timestamp(line, clock_.now());
  line += " level=";
  line += to_string(level);
  line += " event=";
  append_log_value(line, event);
  for (const auto& field : fields) {
    line += ' ';
    append_log_value(line, field.key());
    line += '=';
    append_log_value(line, field.value());
  }
  line += '\n';
  return line;
}

void logger::log(log_level level, std::string_view event,
                 std::initializer_list<log_field> fields) const {
  if (!enabled(level) || sink_ == nullptr)
    return;
  const std::string line = format(level, event, fields);
  const std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), sink_);
  std::fflush(sink_);
}

}  // namespace common
