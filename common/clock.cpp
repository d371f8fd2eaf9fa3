#include "common/clock.hpp"

#include <cstdio>

#include <charconv>
#include <ctime>

namespace common {
namespace {

bool read_number(std::string_view& text, std::size_t digits, int& out) {
  if (text.size() < digits)
    return false;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + digits, out);
  if (ec != std::errc() || end != text.data() + digits)
    return false;
  text.remove_prefix(digits);
  return true;
}

bool read_char(std::string_view& text, char c) {
  if (text.empty() || text.front() != c)
    return false;
  text.remove_prefix(1);
  return true;
}

// A time_point counts nanoseconds in 64 bits, from about 1678 to 2262.
// A time outside that is refused rather than wrapped around; the margin
// of a second leaves room for a fraction added after.
bool representable(std::int64_t seconds) noexcept {
  using std::chrono::duration_cast;
  constexpr std::int64_t lowest =
      duration_cast<std::chrono::seconds>(time_point::duration::min()).count();
  constexpr std::int64_t highest =
      duration_cast<std::chrono::seconds>(time_point::duration::max()).count();
  return seconds > lowest && seconds < highest;
}

std::optional<time_point> parse_unix_seconds(std::string_view text) {
  std::int64_t seconds = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() ||
      !representable(seconds)) {
    return std::nullopt;
  }
  return from_unix_seconds(seconds);
}

}  // namespace

std::optional<time_point> parse_time(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  if (text.find('T') == std::string_view::npos) {
    return parse_unix_seconds(text);
  }
  std::tm parts{};
  if (!read_number(text, 4, parts.tm_year) || !read_char(text, '-') ||
      !read_number(text, 2, parts.tm_mon) || !read_char(text, '-') ||
      !read_number(text, 2, parts.tm_mday) || !read_char(text, 'T') ||
      !read_number(text, 2, parts.tm_hour) || !read_char(text, ':') ||
      !read_number(text, 2, parts.tm_min) || !read_char(text, ':') ||
      !read_number(text, 2, parts.tm_sec)) {
    return std::nullopt;
  }
  std::chrono::nanoseconds fraction{0};
  if (read_char(text, '.')) {
    std::int64_t scale = 100'000'000;
    std::size_t digits = 0;
    while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
      fraction += std::chrono::nanoseconds((text.front() - '0') * scale);
      scale /= 10;
      text.remove_prefix(1);
      if (++digits > 9)
        return std::nullopt;
    }
    if (digits == 0)
      return std::nullopt;
  }
  if (text != "Z" || parts.tm_mon < 1 || parts.tm_mon > 12 ||
      parts.tm_mday < 1 || parts.tm_mday > 31 || parts.tm_hour > 23 ||
      parts.tm_min > 59 || parts.tm_sec > 60) {
    return std::nullopt;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  // timegm carries a day past the month's end into the next month
  // (February 31 becomes March 3); such a date is refused, not moved.
  const int day = parts.tm_mday;
  const std::time_t seconds = timegm(&parts);
  if (parts.tm_mday != day || !representable(seconds))
    return std::nullopt;
  return from_unix_seconds(seconds) +
         std::chrono::duration_cast<time_point::duration>(fraction);
}

std::string format_time(time_point t) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const auto seconds =
      static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[96];
  const auto millis = static_cast<int>(ms - std::int64_t{seconds} * 1000);
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                parts.tm_hour, parts.tm_min, parts.tm_sec, millis);
  return text;
}

}  // namespace common
