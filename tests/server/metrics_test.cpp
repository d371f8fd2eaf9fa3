// Counters and histograms in the Prometheus text format.
#include "server/metrics.hpp"

#include "api_client.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

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

TEST_CASE("the admin listener serves the server's metrics") {
  test_support::server_process server;
  REQUIRE(server.admin_port() != 0);
  test_support::api_client client(server.port(), "http://localhost:8080");
  auto person = test_support::sign_up(client, "mia");
  CHECK(test_support::sign_in(client, person.key, "mia").result_int() == 200);
  (void)client.post("/api/v1/signin/password",
                    {{"username", "mia"}, {"password", "not this one"}});
  test_support::http_client admin(server.admin_port());
  const auto res = admin.request(server::http::verb::get, "/metrics");
  REQUIRE(res.result_int() == 200);
  const std::string text = res.body();
  CHECK(has_line(text, "# TYPE latchkey_sign_ins_total counter"));
  CHECK(has_line(
      text, R"(latchkey_sign_ins_total{method="passkey",outcome="ok"} 1)"));
  CHECK(has_line(
      text,
      R"(latchkey_sign_ins_total{method="password",outcome="refused"} 1)"));
  CHECK(
      has_line(text, R"(latchkey_guess_failures_total{factor="password"} 1)"));
  CHECK(has_line(text, R"(latchkey_ceremonies_total{kind="sign_up"} 1)"));
  CHECK(text.find("latchkey_request_seconds_bucket{route=\"signin_result\"") !=
        std::string::npos);
  // The account listener does not serve them.
  test_support::http_client public_side(server.port());
  CHECK(public_side.request(server::http::verb::get, "/metrics").result_int() ==
        404);
}
