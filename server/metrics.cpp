#include "server/metrics.hpp"

#include <cstdio>

namespace server {
namespace {

void append_escaped(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

// The label set between braces, with `extra` appended (the bucket bound).
std::string label_text(const std::string& rendered, std::string_view extra) {
  if (rendered.empty() && extra.empty())
    return {};
  std::string out = "{" + rendered;
  if (!extra.empty()) {
    if (!rendered.empty())
      out += ",";
    out += extra;
  }
  return out + "}";
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

}  // namespace

std::string metrics::series(std::string_view, const labels& l) {
  std::string out;
  for (const auto& [key, value] : l) {
    if (!out.empty())
      out += ",";
    out += key + "=\"";
    append_escaped(out, value);
    out += "\"";
  }
  return out;
}

void metrics::describe(std::string name, std::string help, std::string type) {
  std::lock_guard lock(mutex_);
  descriptions_[std::move(name)] = {std::move(help), std::move(type)};
}

void metrics::add(std::string_view name, const labels& l, std::uint64_t n) {
  auto key = series(name, l);
  std::lock_guard lock(mutex_);
  counters_[std::string(name)][std::move(key)] += n;
}

void metrics::observe(std::string_view name, const labels& l, double seconds) {
  auto key = series(name, l);
  std::lock_guard lock(mutex_);
  auto& h = histograms_[std::string(name)][std::move(key)];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i])
      ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

std::string metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  const auto head = [&](const std::string& name) {
    const auto d = descriptions_.find(name);
    if (d == descriptions_.end())
      return;
    out += "# HELP " + name + " " + d->second.help + "\n";
    out += "# TYPE " + name + " " + d->second.type + "\n";
  };
  for (const auto& [name, by_labels] : counters_) {
    head(name);
    for (const auto& [rendered, value] : by_labels)
      out +=
          name + label_text(rendered, {}) + " " + std::to_string(value) + "\n";
  }
  for (const auto& [name, by_labels] : histograms_) {
    head(name);
    for (const auto& [rendered, h] : by_labels) {
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        out += name + "_bucket" +
               label_text(rendered, "le=\"" + number(kBuckets[i]) + "\"") +
               " " + std::to_string(h.buckets[i]) + "\n";
      }
      out += name + "_bucket" + label_text(rendered, "le=\"+Inf\"") + " " +
             std::to_string(h.count) + "\n";
      out +=
          name + "_sum" + label_text(rendered, {}) + " " + number(h.sum) + "\n";
      out += name + "_count" + label_text(rendered, {}) + " " +
             std::to_string(h.count) + "\n";
    }
  }
  return out;
}

}  // namespace server
