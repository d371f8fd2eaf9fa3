// A blocking HTTP/1.1 client for integration tests: it can send anything,
// well-formed or not, and read back what the server answers.
#pragma once

#include "server/beast.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace test_support {

class http_client {
 public:
  // Connects to 127.0.0.1:port; reads give up after `timeout`.
  explicit http_client(std::uint16_t port, std::chrono::milliseconds timeout =
                                               std::chrono::seconds(5));

  void send(std::string_view raw);

  // Sends a request and reads the answer.
  server::response request(server::http::verb method, std::string_view target,
                           std::string body = {},
                           std::string_view content_type = {});

  // Sends a whole request as built by the caller and reads the answer.
  server::response exchange(server::request req);

  // The next answer, or nullopt when the connection ends or times out.
  std::optional<server::response> read();

  // Like send, but says whether it worked instead of failing the test.
  bool try_send(std::string_view raw) noexcept;

  // The status line and headers of the next answer, as sent.
  std::string read_head();

  // True when the server has closed the connection (a read sees its end).
  bool closed_by_server();

 private:
  server::asio::io_context ioc_;
  server::tcp::socket socket_;
  server::beast::flat_buffer buffer_;
};

// True when a new connection to 127.0.0.1:port is accepted.
bool can_connect(std::uint16_t port);

}  // namespace test_support
