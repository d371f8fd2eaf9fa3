// The HTTP/1.1 listener: accepts connections, reads requests within size
// and time limits, hands each one to the router, writes the answer, and
// logs one line per request. With a certificate and key (`load_tls`) it
// serves HTTPS instead, and the same limits apply inside TLS.
//
// Limits: a request head larger than header_limit gets 431, a body larger
// than body_limit gets 413, a malformed request gets 400; each of these
// closes the connection. A client too slow to send its head or body, or to
// read the answer, is disconnected. Connections over max_connections get 503
// and are closed. A kept-alive connection may wait idle_timeout for its next
// request. Over TLS, the handshake must end within header_timeout; a client
// that fails it is logged (`tls_handshake_failed`) and dropped.
//
// Thread-safe: the server runs on any number of threads of one io_context;
// `shutdown` may be called from any thread.
#pragma once

#include "common/log.hpp"
#include "server/beast.hpp"
#include "server/router.hpp"
#include "server/settings.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

namespace server {

class connection;

class http_server {
 public:
  http_server(asio::io_context& ioc, const settings& config,
              const router& routes, const common::logger& log);
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // When the settings name tls_cert and tls_key, loads the certificate
  // chain and the key once, so that `start` serves HTTPS; otherwise does
  // nothing. Call it before `start`. Gives a sentence naming the file
  // when a file cannot be read, does not parse, or the key does not match
  // the certificate.
  std::optional<std::string> load_tls();

  // Binds the configured address and starts accepting. Fails when the
  // address cannot be bound.
  boost::system::result<tcp::endpoint> start();

  // Stops accepting, closes idle connections, and lets requests in flight
  // finish and answer with "Connection: close". Connections still open
  // after shutdown_grace are closed. Once every connection is gone, the
  // server holds no more work, so io_context::run returns.
  void shutdown();

  std::size_t open_connections() const noexcept { return open_.load(); }

  // Called once, on the server's strand, when shutdown has finished: no
  // connection is left. Set it before calling `start`.
  void on_stopped(std::function<void()> done) { on_stopped_ = std::move(done); }

 private:
  friend class connection;

  void accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);
  void track(connection* c);
  void untrack(connection* c) noexcept;
  void stop_connections(bool force);
  void finish_if_idle();
  bool stopping() const noexcept { return stopping_.load(); }

  asio::io_context& ioc_;
  const settings& config_;
  const router& routes_;
  const common::logger& log_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_backoff_;
  asio::steady_timer grace_;
  std::optional<asio::ssl::context> tls_;  // empty: plain HTTP
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};
  std::mutex mutex_;
  std::unordered_set<connection*> connections_;
  std::function<void()> on_stopped_;
};

}  // namespace server
