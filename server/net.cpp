#include "server/net.hpp"

#include <algorithm>
#include <charconv>

namespace server {
namespace {

using boost::asio::ip::address;
using boost::asio::ip::address_v6;

// IPv4-mapped IPv6 (::ffff:192.0.2.1) is the IPv4 address.
address unmapped(const address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped,
                                            a.to_v6());
  return a;
}

std::optional<address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(text), ec);
  if (ec)
    return std::nullopt;
  return unmapped(a);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

bool trusted_address(const address& a, const std::vector<ip_network>& nets) {
  return std::any_of(nets.begin(), nets.end(),
                     [&](const ip_network& n) { return n.contains(a); });
}

}  // namespace

bool ip_network::contains(const address& raw) const noexcept {
  const address a = unmapped(raw);
  if (a.is_v4() != base.is_v4())
    return false;
  if (a.is_v4()) {
    const auto mask =
        prefix == 0 ? 0u : ~std::uint32_t{0} << (32 - std::min(prefix, 32u));
    return (a.to_v4().to_uint() & mask) == (base.to_v4().to_uint() & mask);
  }
  const auto x = a.to_v6().to_bytes();
  const auto y = base.to_v6().to_bytes();
  unsigned left = std::min(prefix, 128u);
  for (std::size_t i = 0; i < x.size() && left > 0; ++i) {
    const unsigned bits = std::min(left, 8u);
    const auto mask = static_cast<unsigned char>(0xFF << (8 - bits));
    if ((x[i] & mask) != (y[i] & mask))
      return false;
    left -= bits;
  }
  return true;
}

std::optional<ip_network> parse_network(std::string_view text) {
  const auto slash = text.find('/');
  const auto base = parse_address(text.substr(0, slash));
  if (!base)
    return std::nullopt;
  const unsigned width = base->is_v4() ? 32 : 128;
  unsigned prefix = width;
  if (slash != std::string_view::npos) {
    const auto bits = text.substr(slash + 1);
    const auto [end, ec] =
        std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size() ||
        prefix > width)
      return std::nullopt;
  }
  return ip_network{*base, prefix};
}

std::string client_address(std::string_view peer,
                           std::string_view forwarded_for,
                           const std::vector<ip_network>& trusted) {
  const auto peer_address = parse_address(peer);
  if (!peer_address || !trusted_address(*peer_address, trusted) ||
      forwarded_for.empty())
    return peer_address ? peer_address->to_string() : std::string(peer);
  // Walk from the right: each hop appended the address it saw.
  std::string_view rest = forwarded_for;
  address closest = *peer_address;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const auto hop =
        trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view()
                                           : rest.substr(0, comma);
    const auto hop_address = parse_address(hop);
    if (!hop_address)
      return peer_address->to_string();
    if (!trusted_address(*hop_address, trusted))
      return hop_address->to_string();
    closest = *hop_address;
  }
  // Every hop is a trusted proxy: the leftmost is as close as we get.
  return closest.to_string();
}

std::string address_key(std::string_view text) {
  const auto a = parse_address(text);
  if (!a)
    return std::string(text);
  if (a->is_v4())
    return a->to_string();
  auto bytes = a->to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return address_v6(bytes).to_string() + "/64";
}

}  // namespace server
