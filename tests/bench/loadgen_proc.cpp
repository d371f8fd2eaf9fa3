#include "tests/bench/loadgen_proc.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace loadgen {
namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

cpu_time from_timeval(const timeval& t) {
  return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
}

}  // namespace

std::optional<cpu_time> process_cpu_time(int pid) {
  const auto text = read_text("/proc/" + std::to_string(pid) + "/stat");
  // The command name (field 2) is in parentheses and may hold spaces, so
  // the fields are counted from the last ')': state is field 3, utime 14,
  // stime 15.
  const auto close = text ? text->rfind(')') : std::string::npos;
  if (close == std::string::npos)
    return std::nullopt;
  std::istringstream fields(text->substr(close + 1));
  std::string skipped;
  for (int field = 3; field < 14; ++field)
    fields >> skipped;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  if (!(fields >> utime >> stime))
    return std::nullopt;
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  if (ticks_per_second <= 0)
    return std::nullopt;
  const auto ticks = utime + stime;
  const auto tps = static_cast<unsigned long long>(ticks_per_second);
  return cpu_time(static_cast<cpu_time::rep>(ticks * 1'000'000 / tps));
}

std::optional<process_memory> memory_of(int pid) {
  const auto text = read_text("/proc/" + std::to_string(pid) + "/status");
  if (!text)
    return std::nullopt;
  std::istringstream lines(*text);
  std::optional<std::uint64_t> peak;
  std::optional<std::uint64_t> rss;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string name;
    std::uint64_t kib = 0;
    if (!(words >> name >> kib))
      continue;
    if (name == "VmHWM:")
      peak = kib;
    else if (name == "VmRSS:")
      rss = kib;
  }
  if (!peak || !rss)
    return std::nullopt;
  return process_memory{*peak, *rss};
}

cpu_time own_cpu_time() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return from_timeval(usage.ru_utime) + from_timeval(usage.ru_stime);
}

}  // namespace loadgen
