// Where "now" comes from. Pure layers never read the system clock: callers
// pass a time in, and the server gets it from a `clock`, which tests replace
// with a `fixed_clock`.
//
// Thread-safe: both implementations may be read from any thread; a
// fixed_clock may be moved by one thread while others read it.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace common {

using time_point = std::chrono::system_clock::time_point;

class clock {
 public:
  virtual ~clock() = default;
  virtual time_point now() const noexcept = 0;
};

class system_clock final : public clock {
 public:
  time_point now() const noexcept override {
    return std::chrono::system_clock::now();
  }
};

class fixed_clock final : public clock {
 public:
  explicit fixed_clock(time_point start) noexcept
      : ticks_(start.time_since_epoch().count()) {}

  time_point now() const noexcept override {
    return time_point(time_point::duration(ticks_.load()));
  }

  void set(time_point t) noexcept { ticks_ = t.time_since_epoch().count(); }

  void advance(time_point::duration d) noexcept { ticks_ += d.count(); }

 private:
  std::atomic<time_point::rep> ticks_;
};

// Seconds since 1970 as a time_point, for tests and stored timestamps.
inline time_point from_unix_seconds(std::int64_t seconds) noexcept {
  return time_point(std::chrono::seconds(seconds));
}

inline std::int64_t to_unix_seconds(time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
      .count();
}

// Parses "2025-01-01T00:00:00Z" (UTC, optional fraction of a second) or a
// whole number of Unix seconds. Nothing else: no offsets, no local time,
// and no time a time_point cannot hold (before 1678 or after 2261).
std::optional<time_point> parse_time(std::string_view text);

// "2025-01-01T00:00:00.000Z": UTC, milliseconds, the form parse_time reads
// and JSON answers carry.
std::string format_time(time_point t);

}  // namespace common
