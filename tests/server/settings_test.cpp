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

TEST_CASE("an rp-id that is a public suffix is refused") {
  for (const char* rp_id : {"com", "co.uk", "github.io"}) {
    CAPTURE(rp_id);
    const std::string origin = std::string("https://app.") + rp_id;
    const auto r = load({"--rp-id", rp_id, "--origin", origin});
    REQUIRE(r.has_error());
    CHECK(r.error().setting == "rp-id");
    CHECK(r.error().problem.find("public suffix") != std::string::npos);
  }
  const auto own =
      load({"--rp-id", "example.com", "--origin", "https://example.com"});
  REQUIRE(own.has_value());
  CHECK(own->rp_id == "example.com");
  CHECK(load({"--rp-id", "example.co.uk", "--origin",
              "https://login.example.co.uk"})
            .has_value());
}

TEST_CASE("a TLS certificate needs its key and the key its certificate") {
  const auto cert_only = load({"--tls-cert", "cert.pem"});
  REQUIRE(cert_only.has_error());
  CHECK(cert_only.error().setting == "tls-key");
  const auto key_only = load({"--tls-key", "key.pem"});
  REQUIRE(key_only.has_error());
  CHECK(key_only.error().setting == "tls-cert");
  CHECK(load({"--tls-cert", "cert.pem", "--tls-key", "key.pem"}).has_value());
}

TEST_CASE("a trusted proxy that does not parse is refused") {
  for (const char* proxy :
       {"10.0.0.0/33", "proxy.example.com", "10.0.0.0/", "::/129"}) {
    CAPTURE(proxy);
    const auto r = load({"--trusted-proxy", proxy});
    REQUIRE(r.has_error());
    CHECK(r.error().setting.starts_with("trusted-proxy"));
  }
  const auto s =
      load({"--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "::1"});
  REQUIRE(s.has_value());
  CHECK(s->trusted_networks.size() == 2);
}

TEST_CASE("user verification and attestation take their words only") {
  const auto uv = load({"--user-verification", "sometimes"});
  REQUIRE(uv.has_error());
  CHECK(uv.error().setting == "user-verification");
  const auto upper = load({"--user-verification", "Required"});
  REQUIRE(upper.has_error());
  CHECK(upper.error().setting == "user-verification");
  const auto conveyance = load({"--attestation", "all"});
  REQUIRE(conveyance.has_error());
  CHECK(conveyance.error().setting == "attestation");

  const auto good =
      load({"--user-verification", "required", "--attestation", "direct"});
  REQUIRE(good.has_value());
  CHECK(good->uv == webauthn::user_verification::required);
  CHECK(good->conveyance == webauthn::attestation_conveyance::direct);
}

TEST_CASE("an AAGUID that is not a UUID is refused") {
  for (const char* flag : {"--allow-aaguid", "--deny-aaguid"}) {
    CAPTURE(flag);
    for (const char* aaguid : {"not-a-uuid", "cb69481e8ff7403993ec0a2729a154a8",
                               "cb69481e-8ff7-4039-93ec-0a2729a154a"}) {
      CAPTURE(aaguid);
      const auto r = load({flag, aaguid});
      REQUIRE(r.has_error());
      CHECK(r.error().setting ==
            std::string(flag + 2) + " " + std::string(aaguid));
    }
  }
  const auto s =
      load({"--allow-aaguid", "cb69481e-8ff7-4039-93ec-0a2729a154a8"});
  REQUIRE(s.has_value());
  CHECK(s->allowed_models.size() == 1);
}

TEST_CASE("cookies are Secure exactly when an origin is https") {
  const auto local = load({});
  REQUIRE(local.has_value());
  CHECK_FALSE(local->secure_cookies);
  const auto https =
      load({"--rp-id", "example.com", "--origin", "https://example.com"});
  REQUIRE(https.has_value());
  CHECK(https->secure_cookies);
  const auto mixed = load({"--origin", "http://localhost:8080", "--origin",
                           "https://localhost:8443"});
  REQUIRE(mixed.has_value());
  CHECK(mixed->secure_cookies);
}
