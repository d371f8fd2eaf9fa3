#include "server/net.hpp"

#include <doctest/doctest.h>

using boost::asio::ip::make_address;
using server::address_key;
using server::client_address;
using server::ip_network;
using server::parse_network;

namespace {

ip_network network(std::string_view text) {
  const auto parsed = parse_network(text);
  REQUIRE_MESSAGE(parsed.has_value(), text);
  return *parsed;
}

std::vector<ip_network> networks(std::initializer_list<const char*> texts) {
  std::vector<ip_network> out;
  for (const char* text : texts)
    out.push_back(network(text));
  return out;
}

bool contains(std::string_view block, const char* address) {
  return network(block).contains(make_address(address));
}

}  // namespace

TEST_CASE("parse_network reads IPv4 blocks and bare addresses") {
  const auto block = network("10.0.0.0/8");
  CHECK(block.base.is_v4());
  CHECK(block.base.to_string() == "10.0.0.0");
  CHECK(block.prefix == 8);
  CHECK(network("192.0.2.7").prefix == 32);
  CHECK(network("192.0.2.7/32").prefix == 32);
  CHECK(network("0.0.0.0/0").prefix == 0);
}

TEST_CASE("parse_network reads IPv6 blocks and bare addresses") {
  const auto block = network("2001:db8::/32");
  CHECK(block.base.is_v6());
  CHECK(block.prefix == 32);
  CHECK(network("::1").prefix == 128);
  CHECK(network("::/0").prefix == 0);
  CHECK(network("2001:db8::1/128").prefix == 128);
}

TEST_CASE("parse_network reads an IPv4-mapped address as IPv4") {
  const auto mapped = network("::ffff:192.0.2.1");
  CHECK(mapped.base.is_v4());
  CHECK(mapped.base.to_string() == "192.0.2.1");
  CHECK(mapped.prefix == 32);
}

TEST_CASE("parse_network refuses bad input") {
  for (const char* bad :
       {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8/8",
        "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0/8 ",
        "10.0.0.0/x", "10.0.0.256", "10.0.0", "example.com", "2001:db8:::/32",
        "10.0.0.0/4294967304"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_network(bad).has_value());
  }
}

TEST_CASE("an IPv4 block contains the addresses under its prefix") {
  CHECK(contains("10.0.0.0/8", "10.0.0.0"));
  CHECK(contains("10.0.0.0/8", "10.255.255.255"));
  CHECK_FALSE(contains("10.0.0.0/8", "11.0.0.0"));
  CHECK_FALSE(contains("10.0.0.0/8", "9.255.255.255"));
  CHECK(contains("192.0.2.128/25", "192.0.2.200"));
  CHECK_FALSE(contains("192.0.2.128/25", "192.0.2.127"));
  CHECK(contains("192.0.2.7", "192.0.2.7"));
  CHECK_FALSE(contains("192.0.2.7", "192.0.2.8"));
  // The base's host bits do not matter.
  CHECK(contains("10.1.2.3/8", "10.200.0.1"));
}

TEST_CASE("a /0 block contains every address of its family only") {
  CHECK(contains("0.0.0.0/0", "203.0.113.9"));
  CHECK(contains("0.0.0.0/0", "255.255.255.255"));
  CHECK_FALSE(contains("0.0.0.0/0", "2001:db8::1"));
  CHECK(contains("::/0", "2001:db8::1"));
  CHECK(contains("::/0", "::"));
  CHECK_FALSE(contains("::/0", "203.0.113.9"));
}

TEST_CASE("an IPv6 block contains the addresses under its prefix") {
  CHECK(contains("2001:db8::/32", "2001:db8:ffff:ffff::1"));
  CHECK_FALSE(contains("2001:db8::/32", "2001:db9::"));
  // A prefix that ends inside a byte.
  CHECK(contains("2001:db8:8000::/33", "2001:db8:ffff::1"));
  CHECK_FALSE(contains("2001:db8:8000::/33", "2001:db8:7fff::1"));
  CHECK(contains("::1", "::1"));
  CHECK_FALSE(contains("::1", "::2"));
}

TEST_CASE("an IPv4 block contains IPv4-mapped addresses") {
  CHECK(contains("10.0.0.0/8", "::ffff:10.1.2.3"));
  CHECK_FALSE(contains("10.0.0.0/8", "::ffff:11.1.2.3"));
}

TEST_CASE("an untrusted peer's X-Forwarded-For is ignored") {
  const auto trusted = networks({"10.0.0.0/8"});
  CHECK(client_address("203.0.113.5", "198.51.100.7", trusted) ==
        "203.0.113.5");
  CHECK(client_address("203.0.113.5", "198.51.100.7", {}) == "203.0.113.5");
  CHECK(client_address("203.0.113.5", "", trusted) == "203.0.113.5");
}

TEST_CASE("a trusted peer gives the rightmost untrusted hop") {
  const auto trusted = networks({"10.0.0.0/8", "2001:db8::/32"});
  CHECK(client_address("10.0.0.1", "198.51.100.7", trusted) == "198.51.100.7");
  // A client that sends the header itself only adds hops on the left.
  CHECK(client_address("10.0.0.1", "1.2.3.4, 198.51.100.7, 10.0.0.2",
                       trusted) == "198.51.100.7");
  CHECK(client_address("10.0.0.1", "198.51.100.7 ,\t10.0.0.2", trusted) ==
        "198.51.100.7");
  CHECK(client_address("2001:db8::1", "2001:db9::5, 2001:db8::2", trusted) ==
        "2001:db9::5");
  // No header: the proxy's own address.
  CHECK(client_address("10.0.0.1", "", trusted) == "10.0.0.1");
}

TEST_CASE("when every hop is trusted the leftmost is the client") {
  const auto trusted = networks({"10.0.0.0/8"});
  CHECK(client_address("10.0.0.1", "10.0.0.3, 10.0.0.2", trusted) ==
        "10.0.0.3");
  CHECK(client_address("10.0.0.1", "10.0.0.9", trusted) == "10.0.0.9");
}

TEST_CASE("a garbage X-Forwarded-For leaves the peer's address") {
  const auto trusted = networks({"10.0.0.0/8"});
  for (const char* header :
       {"not-an-address", "198.51.100.7, junk", "198.51.100.7,,",
        "198.51.100.7:443", "[2001:db8::1]", "unknown"}) {
    CAPTURE(header);
    CHECK(client_address("10.0.0.1", header, trusted) == "10.0.0.1");
  }
}

TEST_CASE("client_address reads IPv4-mapped peers and hops as IPv4") {
  const auto trusted = networks({"10.0.0.0/8"});
  CHECK(client_address("::ffff:10.0.0.1", "198.51.100.7", trusted) ==
        "198.51.100.7");
  CHECK(client_address("::ffff:203.0.113.5", "198.51.100.7", trusted) ==
        "203.0.113.5");
  CHECK(client_address("10.0.0.1", "::ffff:198.51.100.7", trusted) ==
        "198.51.100.7");
  CHECK(client_address("10.0.0.1", "::ffff:10.0.0.2", trusted) == "10.0.0.2");
}

TEST_CASE("a peer that does not parse is kept as it is") {
  CHECK(client_address("somewhere", "198.51.100.7", networks({"0.0.0.0/0"})) ==
        "somewhere");
}

TEST_CASE("address_key keeps IPv4 whole and groups IPv6 by its /64") {
  CHECK(address_key("203.0.113.5") == "203.0.113.5");
  CHECK(address_key("203.0.113.6") != address_key("203.0.113.5"));
  CHECK(address_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64");
  CHECK(address_key("2001:db8:1:2::9") == address_key("2001:db8:1:2:ffff::1"));
  CHECK(address_key("2001:db8:1:3::9") != address_key("2001:db8:1:2::9"));
  CHECK(address_key("::ffff:203.0.113.5") == "203.0.113.5");
  CHECK(address_key("garbage") == "garbage");
}
