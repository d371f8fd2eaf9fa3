// One keep-alive HTTP/1.1 client connection of a virtual client, with the
// cookies its server set, driven from C++20 coroutines on Asio.
//
// Not thread-safe: a connection lives on one io_context thread, with one
// request in flight at a time. Asio and Beast are compiled once, in the
// latchkey_asio library this code links.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// An answer as the ceremony code judges it. Status 0 means no answer came;
// the body then says why ("read: Connection reset by peer").
struct answer {
  unsigned status = 0;
  std::string body;
};

// Cookies by name, as Set-Cookie gave them, for the Cookie header. The
// attributes are ignored (one server, one origin) except Max-Age=0, which
// removes the cookie as a browser would.
class cookie_jar {
 public:
  void store(std::string_view set_cookie);
  std::string header() const;  // "a=1; b=2", or empty

 private:
  std::map<std::string, std::string, std::less<>> cookies_;
};

// Where requests go; shared, read-only, by every connection.
struct target {
  std::vector<tcp::endpoint> endpoints;
  std::string host_header;  // HOST:PORT
  std::string origin;       // sent in Origin on every POST
  std::chrono::milliseconds timeout;
};

class connection {
 public:
  // `where` must outlive the connection.
  connection(asio::any_io_executor executor, const target& where);

  // Opens the connection unless it is open; returns the error, if any.
  asio::awaitable<boost::system::error_code> connect();

  // POSTs `body` as JSON to `path`, connecting first when needed. Never
  // throws for network errors: they come back as status 0. A connection
  // that failed, or that the server asked to close, is closed and opened
  // again by the next call.
  asio::awaitable<answer> post(std::string_view path, std::string body);

  bool is_open() const noexcept { return open_; }

 private:
  void close() noexcept;

  const target& where_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  cookie_jar cookies_;
  bool open_ = false;
};

}  // namespace loadgen
