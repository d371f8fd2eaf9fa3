#include "server/settings.hpp"

#include <doctest/doctest.h>

using server::parse_listen;
using server::parse_origin;

namespace {

common::config_result<server::settings> load(
    std::vector<std::string_view> args) {
  return server::load_settings(args, {});
}

}  // namespace

TEST_CASE("the defaults are valid and local") {
  const auto s = load({});
  REQUIRE(s.has_value());
  CHECK(s->address.host == "127.0.0.1");
  CHECK(s->address.port == 8080);
  CHECK(s->rp_id == "localhost");
  CHECK(s->origins == std::vector<std::string>{"http://localhost:8080"});
  CHECK(s->threads >= 1);
}

TEST_CASE("listen addresses parse for IPv4, IPv6 and port 0") {
  CHECK(parse_listen("0.0.0.0:443")->port == 443);
  CHECK(parse_listen("[::1]:8080")->host == "::1");
  CHECK(parse_listen("127.0.0.1:0")->port == 0);
  CHECK(parse_listen("127.0.0.1").has_error());
  CHECK(parse_listen(":80").has_error());
  CHECK(parse_listen("[::1]8080").has_error());
  CHECK(parse_listen("host:65536").has_error());
  CHECK(parse_listen("host:-1").has_error());
}

TEST_CASE("origins are scheme, host and port only") {
  const auto o = parse_origin("https://login.example.com:8443");
  REQUIRE(o.has_value());
  CHECK(o->host == "login.example.com");
  CHECK(o->port == 8443);
  CHECK(parse_origin("https://example.com")->port == 443);
  for (const char* bad :
       {"example.com", "ftp://example.com", "https://example.com/",
        "https://example.com/login", "https://user@example.com",
        "https://example.com?x", "https://Example.com", "https://",
        "https://example.com:0", "https://example.com:x"}) {
    CAPTURE(bad);
    CHECK(parse_origin(bad).has_error());
  }
}

TEST_CASE("http is refused for any host but localhost") {
  CHECK(load({"--origin", "http://localhost:3000"}).has_value());
  const auto r =
      load({"--rp-id", "example.com", "--origin", "http://login.example.com"});
  REQUIRE(r.has_error());
  CHECK(r.error().problem.find("localhost only") != std::string::npos);
}

TEST_CASE("each origin's host must be the rp-id or below it") {
  CHECK(load({"--rp-id", "example.com", "--origin", "https://example.com",
              "--origin", "https://login.example.com"})
            .has_value());
  for (const char* origin : {"https://example.org", "https://badexample.com",
                             "https://example.com.evil.net"}) {
    CAPTURE(origin);
    const auto r = load({"--rp-id", "example.com", "--origin", origin});
    REQUIRE(r.has_error());
    CHECK(r.error().setting == std::string("origin ") + origin);
  }
}

TEST_CASE("an rp-id that is not a lower-case domain is refused") {
  for (const char* rp_id : {"Example.com", ".example.com", "example.com.",
                            "exa mple.com", "https://example.com"}) {
    CAPTURE(rp_id);
    const auto r = load({"--rp-id", rp_id});
    REQUIRE(r.has_error());
    CHECK(r.error().setting == "rp-id");
  }
}

TEST_CASE("an empty origin list is refused") {
  auto s = server::settings{};
  s.origins.clear();
  const auto r = server::validate(s);
  REQUIRE(r.has_error());
  CHECK(r.error().setting == "origin");
}
