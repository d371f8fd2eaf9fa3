// A levelled logger that writes one key=value line per event:
//
//   ts=2026-12-03T19:40:00.123Z level=info event=request method=GET ...
//
// Values that come from input are escaped, so a request can never forge a
// line or a field: anything outside a safe set is quoted, and quotes,
// backslashes, control and non-ASCII bytes are written as escapes.
// Never pass secrets, codes, challenges or whole credentials as fields.
//
// Thread-safe: lines from different threads never interleave.
#pragma once

#include "common/clock.hpp"

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace common {

enum class log_level { debug, info, warn, error, off };

std::string_view to_string(log_level level) noexcept;
std::optional<log_level> parse_log_level(std::string_view text) noexcept;

class log_field {
 public:
  log_field(std::string_view key, std::string_view value)
      : key_(key), value_(value) {}
  log_field(std::string_view key, const char* value)
      : key_(key), value_(value) {}
  log_field(std::string_view key, const std::string& value)
      : key_(key), value_(value) {}
  log_field(std::string_view key, std::int64_t value)
      : key_(key), value_(std::to_string(value)) {}
  log_field(std::string_view key, std::uint64_t value)
      : key_(key), value_(std::to_string(value)) {}
  log_field(std::string_view key, int value)
      : key_(key), value_(std::to_string(value)) {}
  log_field(std::string_view key, unsigned value)
      : key_(key), value_(std::to_string(value)) {}
  log_field(std::string_view key, double value);
  log_field(std::string_view key, bool value)
      : key_(key), value_(value ? "true" : "false") {}

  std::string_view key() const noexcept { return key_; }
  std::string_view value() const noexcept { return value_; }

 private:
  std::string_view key_;
  std::string value_;
};

// Appends `value` to `out` as a log value: bare when it is made only of
// safe characters, otherwise quoted with escapes.
void append_log_value(std::string& out, std::string_view value);

class logger {
 public:
  // Writes to `sink` (not owned; stderr by default) the events at `level`
  // and above. `time` supplies the timestamps and must outlive the logger.
  explicit logger(log_level level = log_level::info, std::FILE* sink = stderr,
                  const clock& time = default_clock());

  bool enabled(log_level level) const noexcept {
    return level >= level_ && level_ != log_level::off;
  }

  void log(log_level level, std::string_view event,
           std::initializer_list<log_field> fields = {}) const;

  void debug(std::string_view event,
             std::initializer_list<log_field> fields = {}) const {
    log(log_level::debug, event, fields);
  }
  void info(std::string_view event,
            std::initializer_list<log_field> fields = {}) const {
    log(log_level::info, event, fields);
  }
  void warn(std::string_view event,
            std::initializer_list<log_field> fields = {}) const {
    log(log_level::warn, event, fields);
  }
  void error(std::string_view event,
             std::initializer_list<log_field> fields = {}) const {
    log(log_level::error, event, fields);
  }

  // Formats a line without writing it; what `log` writes, for tests.
  std::string format(log_level level, std::string_view event,
                     std::initializer_list<log_field> fields) const;

 private:
  static const clock& default_clock() noexcept;

  log_level level_;
  std::FILE* sink_;
  const clock& clock_;
  mutable std::mutex mutex_;
};

}  // namespace common
