// Client addresses: which proxies to believe, the address a request comes
// from, and the key under which per-address limits count it.
//
// Thread-safe: values and pure functions.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace server {

// An address block such as 10.0.0.0/8 or 2001:db8::/32; a bare address is
// a block of one.
struct ip_network {
  boost::asio::ip::address base;
  unsigned prefix = 0;

  bool contains(const boost::asio::ip::address& a) const noexcept;
};

// Parses "ADDRESS" or "ADDRESS/BITS"; nullopt when either part is wrong.
// IPv4-mapped IPv6 addresses are read as IPv4.
std::optional<ip_network> parse_network(std::string_view text);

// The address a request comes from. `peer` is the socket's peer. Only when
// the peer is a trusted proxy is X-Forwarded-For read: the rightmost
// address in it that is not itself a trusted proxy is the client, so a
// client cannot forge its address by sending the header itself. A header
// that does not parse leaves the proxy's own address.
std::string client_address(std::string_view peer,
                           std::string_view forwarded_for,
                           const std::vector<ip_network>& trusted);

// The key per-address limits count under: an IPv4 address as it is, an
// IPv6 address by its /64 (one subscriber usually holds a whole /64, so
// counting single addresses would let them rotate past any limit).
std::string address_key(std::string_view address);

}  // namespace server
