#include "http_client.hpp"

#include <doctest/doctest.h>

#include <boost/asio/write.hpp>

#include <sys/socket.h>
#include <sys/time.h>

namespace test_support {

using namespace server;

http_client::http_client(std::uint16_t port, std::chrono::milliseconds timeout)
    : socket_(ioc_) {
  socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv,
               sizeof tv);
}

void http_client::send(std::string_view raw) {
  asio::write(socket_, asio::buffer(raw.data(), raw.size()));
}

response http_client::request(http::verb method, std::string_view target,
                              std::string body, std::string_view content_type) {
  server::request req{method, target, 11};
  req.set(http::field::host, "localhost");
  if (!content_type.empty())
    req.set(http::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  http::write(socket_, req);
  auto res = read();
  REQUIRE_MESSAGE(res.has_value(), "no answer to " << target);
  return std::move(*res);
}

response http_client::exchange(server::request req) {
  req.prepare_payload();
  http::write(socket_, req);
  auto res = read();
  REQUIRE_MESSAGE(res.has_value(), "no answer to " << req.target());
  return std::move(*res);
}

std::optional<response> http_client::read() {
  response res;
  boost::system::error_code ec;
  http::read(socket_, buffer_, res, ec);
  if (ec)
    return std::nullopt;
  return res;
}

bool http_client::try_send(std::string_view raw) noexcept {
  boost::system::error_code ec;
  asio::write(socket_, asio::buffer(raw.data(), raw.size()), ec);
  return !ec;
}

std::string http_client::read_head() {
  std::string head;
  char byte = 0;
  while (!head.ends_with("\r\n\r\n")) {
    boost::system::error_code ec;
    if (socket_.read_some(asio::buffer(&byte, 1), ec) != 1 || ec)
      break;
    head += byte;
  }
  return head;
}

bool http_client::closed_by_server() {
  char byte = 0;
  boost::system::error_code ec;
  socket_.read_some(asio::buffer(&byte, 1), ec);
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

bool can_connect(std::uint16_t port) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

}  // namespace test_support
