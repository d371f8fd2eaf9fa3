// Counters and histograms in the Prometheus text format.
#include "server/metrics.hpp"

#include <doctest/doctest.h>

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("counters add up per label set, with HELP and TYPE") {
  server::metrics m;
  m.describe("latchkey_sign_ins_total", "Sign-ins by method and outcome.",
             "counter");
  m.add("latchkey_sign_ins_total", {{"method", "passkey"}, {"outcome", "ok"}});
  m.add("latchkey_sign_ins_total", {{"method", "passkey"}, {"outcome", "ok"}},
        2);
  m.add("latchkey_sign_ins_total",
        {{"method", "password"}, {"outcome", "refused"}});
  const auto text = m.render();
  CHECK(has_line(text,
                 "# HELP latchkey_sign_ins_total Sign-ins by method "
                 "and outcome."));
  CHECK(has_line(text, "# TYPE latchkey_sign_ins_total counter"));
  CHECK(has_line(
      text, R"(latchkey_sign_ins_total{method="passkey",outcome="ok"} 3)"));
  CHECK(has_line(
      text,
      R"(latchkey_sign_ins_total{method="password",outcome="refused"} 1)"));
}

TEST_CASE("histograms count every observation in each bucket it fits") {
  server::metrics m;
  m.observe("latchkey_request_seconds", {{"route", "me"}}, 0.003);
  m.observe("latchkey_request_seconds", {{"route", "me"}}, 0.2);
  const auto text = m.render();
  CHECK(has_line(
      text, R"(latchkey_request_seconds_bucket{route="me",le="0.001"} 0)"));
  CHECK(has_line(
      text, R"(latchkey_request_seconds_bucket{route="me",le="0.005"} 1)"));
  CHECK(has_line(text,
                 R"(latchkey_request_seconds_bucket{route="me",le="0.25"} 2)"));
  CHECK(has_line(text,
                 R"(latchkey_request_seconds_bucket{route="me",le="+Inf"} 2)"));
  CHECK(has_line(text, R"(latchkey_request_seconds_count{route="me"} 2)"));
  CHECK(has_line(text, R"(latchkey_request_seconds_sum{route="me"} 0.203)"));
}

TEST_CASE("label values are escaped and unlabelled series have no braces") {
  server::metrics m;
  m.add("odd_total", {{"reason", "a\"b\\c\nd"}});
  m.add("plain_total", {});
  const auto text = m.render();
  CHECK(has_line(text, R"(odd_total{reason="a\"b\\c\nd"} 1)"));
  CHECK(has_line(text, "plain_total 1"));
}
