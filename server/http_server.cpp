#include "server/http_server.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "common/openssl.hpp"
#include "server/net.hpp"
#include "server/responses.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <cstring>
#include <optional>
#include <type_traits>
#include <vector>

namespace server {
namespace {

using error_code = boost::system::error_code;
using clock_type = std::chrono::steady_clock;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// How long a closing connection waits for the client's close_notify. The
// answers are already delivered by then, so there is little to wait for.
constexpr std::chrono::seconds tls_shutdown_timeout{1};

// TLS 1.2 suites: ephemeral ECDH for forward secrecy and AEAD ciphers
// only. The TLS 1.3 suites are OpenSSL's defaults, all of them AEAD.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Request ids only tell log lines and answers apart; they guard nothing,
// so they need not come from the CSPRNG, whose per-call cost showed in
// the sign-in profile. A random start per process keeps the ids of nodes
// that share a log apart; a counter keeps those of one process apart.
std::string new_request_id() {
  static const std::uint64_t start = [] {
    std::uint64_t seed = 0;
    if (auto bytes = common::random_bytes(sizeof seed))
      std::memcpy(&seed, bytes->data(), sizeof seed);
    return seed;
  }();
  static std::atomic<std::uint64_t> next{0};
  const std::uint64_t id = start + next.fetch_add(1, std::memory_order_relaxed);
  std::array<std::uint8_t, 8> big_endian{};
  for (std::size_t i = 0; i < big_endian.size(); ++i)
    big_endian[i] = static_cast<std::uint8_t>(id >> (56 - 8 * i));
  return common::hex_encode(big_endian);
}

bool is_disconnect(const error_code& ec) {
  return ec == http::error::end_of_stream ||
         ec == http::error::partial_message || ec == asio::error::eof ||
         ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::operation_aborted;
}

// A TLS session that broke (a cut without close_notify, a bad record):
// nothing more can be sent over it, not even an error answer.
bool is_tls_failure(const error_code& ec) {
  return ec == asio::ssl::error::stream_truncated ||
         ec.category() == asio::error::get_ssl_category();
}

// The oldest error OpenSSL queued, in words; the queue is empty after.
std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0)
    return "unknown error";
  if (ERR_SYSTEM_ERROR(e))
    return std::generic_category().message(ERR_GET_REASON(e));
  const char* reason = ERR_reason_error_string(e);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(e);
}

// Keys are read without a passphrase: the server starts unattended, so an
// encrypted key must fail to load rather than prompt on a terminal.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

// The leaf certificate, then any intermediates after it, from one file.
std::optional<std::string> use_certificate_chain(SSL_CTX* ctx,
                                                 const std::string& path) {
  const std::string name = "tls-cert " + path + ": ";
  const common::ossl::bio in(BIO_new_file(path.c_str(), "r"));
  if (!in)
    return name + "cannot open the file: " + openssl_error();
  const common::ossl::x509 leaf(
      PEM_read_bio_X509_AUX(in.get(), nullptr, no_passphrase, nullptr));
  if (!leaf)
    return name + "no PEM certificate found (" + openssl_error() + ")";
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1)
    return name + "the certificate is refused (" + openssl_error() + ")";
  while (true) {
    const common::ossl::x509 issuer(
        PEM_read_bio_X509(in.get(), nullptr, no_passphrase, nullptr));
    if (!issuer)
      break;
    if (SSL_CTX_add1_chain_cert(ctx, issuer.get()) != 1)
      return name + "a chain certificate is refused (" + openssl_error() + ")";
  }
  // The loop ends at the end of the file, where PEM finds no more start
  // line; any other error is a certificate that does not parse.
  const unsigned long last = ERR_peek_last_error();
  if (ERR_GET_LIB(last) == ERR_LIB_PEM &&
      ERR_GET_REASON(last) == PEM_R_NO_START_LINE) {
    ERR_clear_error();
    return std::nullopt;
  }
  return name + "a chain certificate does not parse (" + openssl_error() + ")";
}

std::optional<std::string> use_private_key(SSL_CTX* ctx,
                                           const settings& config) {
  const std::string name = "tls-key " + config.tls_key + ": ";
  const common::ossl::bio in(BIO_new_file(config.tls_key.c_str(), "r"));
  if (!in)
    return name + "cannot open the file: " + openssl_error();
  const common::ossl::pkey key(
      PEM_read_bio_PrivateKey(in.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    return name + "no unencrypted PEM private key found (" + openssl_error() +
           ")";
  }
  // A key of another type than the certificate's loads without complaint
  // into a slot of its own; the explicit check catches that case too.
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return name + "the key does not match the certificate in " +
           config.tls_cert;
  }
  return std::nullopt;
}

std::optional<std::string> configure_tls(asio::ssl::context& context,
                                         const settings& config) {
  SSL_CTX* ctx = context.native_handle();
  // No maximum: OpenSSL picks the highest version both sides speak, which
  // is TLS 1.3 for every current client. Compression stays off (CRIME), and
  // so does renegotiation, with which a client could make the server redo
  // costly handshakes at will.
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1)
    return "TLS setup: " + openssl_error();
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (auto problem = use_certificate_chain(ctx, config.tls_cert))
    return problem;
  return use_private_key(ctx, config);
}

}  // namespace

// What the server holds of a client connection, whatever its stream: it
// tracks it while it lives and can ask it to stop.
class connection : public std::enable_shared_from_this<connection> {
 public:
  explicit connection(http_server& owner) : owner_(owner) {}
  virtual ~connection() { owner_.untrack(this); }

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Called by the server on shutdown: an idle connection closes now, one
  // with a request in flight closes after answering it; `force` closes
  // either at once.
  virtual void stop(bool force) = 0;

 protected:
  void track() { owner_.track(this); }
  const settings& config() const { return owner_.config_; }
  const router& routes() const { return owner_.routes_; }
  const common::logger& log() const { return owner_.log_; }
  bool stopping() const noexcept { return owner_.stopping(); }

 private:
  http_server& owner_;
};

namespace {

// One client connection over plain TCP (beast::tcp_stream) or TLS
// (tls_stream): the request loop is the same, only the start and the end
// differ. It lives on its own strand; every member below is touched only
// from there.
template <class Stream>
class stream_connection final : public connection {
  static constexpr bool tls = std::is_same_v<Stream, tls_stream>;

 public:
  stream_connection(Stream stream, http_server& owner)
      : connection(owner), stream_(std::move(stream)) {
    error_code ec;
    const auto remote = tcp_layer().socket().remote_endpoint(ec);
    remote_ = ec ? "-" : remote.address().to_string();
  }

  void start(bool refuse) {
    track();
    asio::dispatch(stream_.get_executor(), [self = self(), refuse] {
      if constexpr (tls) {
        self->handshake(refuse);
      } else {
        self->begin(refuse);
      }
    });
  }

  void stop(bool force) override {
    asio::post(stream_.get_executor(), [self = self(), force] {
      error_code ignored;
      if (force) {
        self->tcp_layer().socket().close(ignored);
      } else if (self->idle_) {
        // The pending read ends with operation_aborted, and its handler
        // says goodbye as at any other end of an idle connection.
        self->tcp_layer().socket().cancel(ignored);
      }
    });
  }

 private:
  std::shared_ptr<stream_connection> self() {
    return std::static_pointer_cast<stream_connection>(shared_from_this());
  }

  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  void handshake(bool refuse) {
    tcp_layer().expires_after(config().header_timeout);
    stream_.async_handshake(
        asio::ssl::stream_base::server, [self = self(), refuse](error_code ec) {
          if (!ec)
            return self->begin(refuse);
          self->log().info("tls_handshake_failed", {{"remote", self->remote_},
                                                    {"error", ec.message()}});
          self->close();
        });
  }

  void begin(bool refuse) {
    if (refuse) {
      refuse_over_capacity();
    } else {
      wait_for_request();
    }
  }

  void refuse_over_capacity() {
    request_id_ = new_request_id();
    send(problem(http::status::service_unavailable, "too_many_connections",
                 "The server has too many open connections; try again."),
         true);
  }

  void wait_for_request() {
    if (buffer_.size() > 0)
      return read_header();
    if (stopping())
      return goodbye(false);
    idle_ = true;
    tcp_layer().expires_after(config().idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(4096), [self = self()](error_code ec, std::size_t n) {
          self->idle_ = false;
          // The client left, or the server is stopping: an orderly end.
          if (ec == asio::error::eof || ec == asio::error::operation_aborted)
            return self->goodbye(false);
          if (ec)
            return self->close();
          self->buffer_.commit(n);
          self->read_header();
        });
  }
  void read_header() {
    started_ = clock_type::now();
    request_id_ = new_request_id();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(config().header_limit));
    parser_->body_limit(config().body_limit);
    tcp_layer().expires_after(config().header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = self()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    // Known once the head parsed, so that a refusal of the body (413) is
    // still logged with what it refused.
    if (!ec || ec == http::error::body_limit) {
      method_ = std::string(parser_->get().method_string());
      target_ = std::string(parser_->get().target());
    }
    if (ec)
      return fail(ec);
    const auto length = parser_->content_length();
    if (length && *length > config().body_limit) {
      return fail(http::error::body_limit);
    }
    tcp_layer().expires_after(config().body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = self()](error_code e, std::size_t) {
                       if (e)
                         return self->fail(e);
                       self->handle(self->parser_->release());
                     });
  }

  void handle(request req) {
    // Without a trusted proxy or a forwarded header the client is the
    // peer, whose address remote_ already holds in canonical form.
    const auto forwarded = req.find("X-Forwarded-For");
    const bool direct =
        forwarded == req.end() || config().trusted_networks.empty();
    request_context ctx{request_id_,
                        direct ? remote_
                               : client_address(remote_, forwarded->value(),
                                                config().trusted_networks),
                        {}};
    if (const auto agent = req.find(http::field::user_agent);
        agent != req.end())
      ctx.user_agent = std::string(agent->value().substr(0, 256));
    method_ = std::string(req.method_string());
    target_ = std::string(req.target());
    // The request outlives this call when a pool thread answers it.
    auto held = std::make_shared<request>(std::move(req));
    routes().dispatch(*held, ctx, [me = self(), held](response res) mutable {
      const auto executor = me->stream_.get_executor();
      asio::dispatch(executor, [me, held, res = std::move(res)]() mutable {
        me->answer(*held, std::move(res));
      });
    });
  }

  void answer(const request& req, response res) {
    // A HEAD answer carries the length of the body it leaves out
    // (RFC 9110 section 9.3.2); a body would be read as the next answer.
    if (req.method() == http::verb::head && !res.body().empty()) {
      const auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    const bool close_after = !req.keep_alive() || stopping();
    send(std::move(res), close_after);
  }

  void fail(error_code ec) {
    // A timed-out tcp_stream has already closed its socket, so a slow
    // client gets no 408: it is cut off, as slowloris clients should be.
    if (ec == beast::error::timeout) {
      log().info("request_timeout", {{"id", request_id_}, {"remote", remote_}});
      return close();
    }
    if (is_disconnect(ec) || is_tls_failure(ec))
      return close();
    if (ec == http::error::header_limit) {
      return send(problem(http::status::request_header_fields_too_large,
                          "header_too_large",
                          "The request line and headers are too large."),
                  true);
    }
    if (ec == http::error::body_limit) {
      return send(problem(http::status::payload_too_large, "body_too_large",
                          "The request body is larger than " +
                              std::to_string(config().body_limit) + " bytes."),
                  true);
    }
    send(problem(http::status::bad_request, "malformed_request",
                 "The request is not valid HTTP/1.1: " + ec.message() + "."),
         true);
  }

  void send(response res, bool close_after) {
    add_security_headers(res);
    res.set("X-Request-Id", request_id_);
    res.keep_alive(!close_after);
    res_.emplace(std::move(res));
    tcp_layer().expires_after(config().body_timeout);
    http::async_write(stream_, *res_,
                      [self = self(), close_after](error_code ec, std::size_t) {
                        self->log_request();
                        if (ec)
                          return self->close();
                        if (close_after)
                          return self->goodbye(true);
                        self->res_.reset();
                        self->wait_for_request();
                      });
  }

  void log_request() {
    // The line's fields cost more to build than most of a request's
    // handling; build them only when the line is written.
    if (log().enabled(common::log_level::info)) {
      const auto elapsed = std::chrono::duration<double, std::milli>(
          clock_type::now() - started_);
      log().info("request",
                 {{"id", request_id_},
                  {"remote", remote_},
                  {"method", method_.empty() ? std::string("-") : method_},
                  {"path", target_.empty() ? std::string("-") : target_},
                  {"status", res_->result_int()},
                  {"bytes", static_cast<std::uint64_t>(res_->body().size())},
                  {"duration_ms", elapsed.count()}});
    }
    method_.clear();
    target_.clear();
  }

  // Ends the connection in good order. Over TLS the client first gets a
  // close_notify, so that it can tell the end of the answers from a cut;
  // one that does not answer it soon is closed on anyway. With `linger`,
  // what the client still sends is drained first (see linger_close).
  void goodbye(bool linger) {
    if constexpr (tls) {
      if (tcp_layer().socket().is_open()) {
        tcp_layer().expires_after(tls_shutdown_timeout);
        return stream_.async_shutdown([self = self(), linger](error_code) {
          linger ? self->linger_close() : self->close();
        });
      }
    }
    linger ? linger_close() : close();
  }

  // Closing a socket that still has unread input makes the kernel send a
  // reset, which can destroy the answer before the client reads it (a 413
  // sent while the body is still arriving, say). So stop sending, then
  // drain what the client still sends for a short while before closing.
  // The draining reads below TLS: the bytes are dropped unread.
  void linger_close() {
    error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_layer().expires_after(std::chrono::seconds(2));
    drain(64 * 1024);
  }

  void drain(std::size_t budget) {
    buffer_.consume(buffer_.size());
    tcp_layer().async_read_some(
        buffer_.prepare(4096),
        [self = self(), budget](error_code ec, std::size_t n) {
          if (ec || n >= budget)
            return self->close();
          self->drain(budget - n);
        });
  }

  void close() {
    error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_layer().socket().close(ignored);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<response> res_;
  std::string remote_;
  std::string method_;
  std::string target_;
  std::string request_id_;
  clock_type::time_point started_ = clock_type::now();
  bool idle_ = false;
};

}  // namespace

http_server::http_server(asio::io_context& ioc, const settings& config,
                         const router& routes, const common::logger& log)
    : ioc_(ioc),
      config_(config),
      routes_(routes),
      log_(log),
      strand_(asio::make_strand(ioc)),
      acceptor_(strand_),
      accept_backoff_(strand_),
      grace_(strand_) {}

http_server::~http_server() = default;

std::optional<std::string> http_server::load_tls() {
  if (config_.tls_cert.empty())
    return std::nullopt;
  tls_.emplace(asio::ssl::context::tls_server);
  if (auto problem = configure_tls(*tls_, config_)) {
    tls_.reset();
    return problem;
  }
  log_.info("tls_loaded", {{"cert", config_.tls_cert}});
  return std::nullopt;
}

boost::system::result<tcp::endpoint> http_server::start() {
  error_code ec;
  const auto address = asio::ip::make_address(config_.address.host, ec);
  if (ec)
    return ec;
  const tcp::endpoint endpoint(address, config_.address.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(endpoint, ec);
  if (!ec)
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return ec;
  const auto bound = acceptor_.local_endpoint(ec);
  if (ec)
    return ec;
  asio::dispatch(strand_, [this] { accept(); });
  return bound;
}

void http_server::accept() {
  acceptor_.async_accept(asio::make_strand(ioc_),
                         [this](error_code ec, tcp::socket socket) {
                           on_accept(ec, std::move(socket));
                         });
}

void http_server::on_accept(error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || stopping())
    return;
  if (ec) {
    // Out of descriptors or similar: wait a moment rather than spin.
    log_.warn("accept_failed", {{"error", ec.message()}});
    accept_backoff_.expires_after(std::chrono::milliseconds(50));
    accept_backoff_.async_wait([this](error_code e) {
      if (!e && !stopping())
        accept();
    });
    return;
  }
  const bool refuse = open_.load() >= config_.max_connections;
  if (tls_) {
    std::make_shared<stream_connection<tls_stream>>(
        tls_stream(std::move(socket), *tls_), *this)
        ->start(refuse);
  } else {
    std::make_shared<stream_connection<beast::tcp_stream>>(
        beast::tcp_stream(std::move(socket)), *this)
        ->start(refuse);
  }
  accept();
}

void http_server::track(connection* c) {
  const std::lock_guard lock(mutex_);
  connections_.insert(c);
  open_ = connections_.size();
}

void http_server::untrack(connection* c) noexcept {
  const std::lock_guard lock(mutex_);
  connections_.erase(c);
  open_ = connections_.size();
  if (stopping() && connections_.empty()) {
    asio::post(strand_, [this] { finish_if_idle(); });
  }
}

void http_server::finish_if_idle() {
  {
    const std::lock_guard lock(mutex_);
    if (!connections_.empty())
      return;
  }
  grace_.cancel();
  if (auto done = std::exchange(on_stopped_, nullptr))
    done();
}

void http_server::shutdown() {
  asio::post(strand_, [this] {
    if (stopping_.exchange(true))
      return;
    error_code ignored;
    acceptor_.close(ignored);
    accept_backoff_.cancel();
    stop_connections(false);
    grace_.expires_after(config_.shutdown_grace);
    grace_.async_wait([this](error_code ec) {
      if (!ec)
        stop_connections(true);
    });
    finish_if_idle();
  });
}

void http_server::stop_connections(bool force) {
  std::vector<std::shared_ptr<connection>> alive;
  {
    const std::lock_guard lock(mutex_);
    for (connection* c : connections_) {
      // A connection already in its destructor cannot be locked; skip it.
      if (auto owner = c->weak_from_this().lock()) {
        alive.push_back(std::move(owner));
      }
    }
  }
  // Outside the lock: the last owner may be dropped here, and a
  // connection's destructor takes the lock to untrack itself.
  for (const auto& c : alive)
    c->stop(force);
}

}  // namespace server
