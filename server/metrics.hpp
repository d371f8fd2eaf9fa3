// Counters and latency histograms, rendered in the Prometheus text format
// at /metrics on the admin listener: ceremonies and sign-ins by kind and
// outcome, refusals by reason, rate-limit hits, failed guesses across all
// accounts (a rising count shows password spraying), request latency.
//
// Label values come from a fixed vocabulary chosen by the code (route
// names, error codes), never from request input, so the number of series
// stays bounded; they are escaped all the same.
//
// Thread-safe: every call locks.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace server {

class metrics {
 public:
  using labels = std::vector<std::pair<std::string, std::string>>;

  // HELP and TYPE lines for a metric; unknown names render without them.
  void describe(std::string name, std::string help, std::string type);

  // Adds `n` to a counter.
  void add(std::string_view name, const labels& l, std::uint64_t n = 1);

  // Records one duration, in seconds, in a histogram.
  void observe(std::string_view name, const labels& l, double seconds);

  // Every series, in name order.
  std::string render() const;

 private:
  // Upper bounds in seconds, from a fast lookup to a slow password hash.
  static constexpr std::array<double, 12> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  struct histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct description {
    std::string help;
    std::string type;
  };

  static std::string series(std::string_view name, const labels& l);

  mutable std::mutex mutex_;
  std::map<std::string, description> descriptions_;
  // Keyed by name, then by the rendered label set.
  std::map<std::string, std::map<std::string, std::uint64_t>> counters_;
  std::map<std::string, std::map<std::string, histogram>> histograms_;
};

}  // namespace server
