#include "server/http_server.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "server/net.hpp"
#include "server/responses.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <optional>
#include <vector>

namespace server {
namespace {

using error_code = boost::system::error_code;
using clock_type = std::chrono::steady_clock;

std::string new_request_id() {
  auto id = common::random_bytes(8);
  return id ? common::hex_encode(*id) : std::string("-");
}

bool is_disconnect(const error_code& ec) {
  return ec == http::error::end_of_stream ||
         ec == http::error::partial_message || ec == asio::error::eof ||
         ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::operation_aborted;
}

}  // namespace

// One client connection. It lives on its own strand; every member below is
// touched only from there.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(tcp::socket socket, http_server& owner)
      : stream_(std::move(socket)), owner_(owner) {
    error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? "-" : remote.address().to_string();
  }

  ~connection() { owner_.untrack(this); }

  void start(bool refuse) {
    owner_.track(this);
    asio::dispatch(stream_.get_executor(), [self = shared_from_this(), refuse] {
      if (refuse) {
        self->refuse_over_capacity();
      } else {
        self->wait_for_request();
      }
    });
  }

  // Called by the server on shutdown: an idle connection closes now, one
  // with a request in flight closes after answering it.
  void stop(bool force) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), force] {
      if (force || self->idle_)
        self->stream_.socket().close();
    });
  }

 private:
  const settings& config() const { return owner_.config_; }

  void refuse_over_capacity() {
    request_id_ = new_request_id();
    send(problem(http::status::service_unavailable, "too_many_connections",
                 "The server has too many open connections; try again."),
         true);
  }

  void wait_for_request() {
    if (buffer_.size() > 0)
      return read_header();
    if (owner_.stopping())
      return close();
    idle_ = true;
    stream_.expires_after(config().idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(4096),
        [self = shared_from_this()](error_code ec, std::size_t n) {
          self->idle_ = false;
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
    stream_.expires_after(config().header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) {
          self->on_header(ec);
        });
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
    stream_.expires_after(config().body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](error_code e, std::size_t) {
                       if (e)
                         return self->fail(e);
                       self->handle(self->parser_->release());
                     });
  }

  void handle(request req) {
    const auto forwarded = req.find("X-Forwarded-For");
    request_context ctx{
        request_id_,
        client_address(remote_,
                       forwarded == req.end()
                           ? std::string_view()
                           : std::string_view(forwarded->value()),
                       config().trusted_networks),
        {}};
    if (const auto agent = req.find(http::field::user_agent);
        agent != req.end())
      ctx.user_agent = std::string(agent->value().substr(0, 256));
    method_ = std::string(req.method_string());
    target_ = std::string(req.target());
    response res = owner_.routes_.handle(req, ctx);
    // A HEAD answer carries the length of the body it leaves out
    // (RFC 9110 section 9.3.2); a body would be read as the next answer.
    if (req.method() == http::verb::head && !res.body().empty()) {
      const auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    const bool close_after = !req.keep_alive() || owner_.stopping();
    send(std::move(res), close_after);
  }

  void fail(error_code ec) {
    // A timed-out tcp_stream has already closed its socket, so a slow
    // client gets no 408: it is cut off, as slowloris clients should be.
    if (ec == beast::error::timeout) {
      owner_.log_.info("request_timeout",
                       {{"id", request_id_}, {"remote", remote_}});
      return close();
    }
    if (is_disconnect(ec))
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
    stream_.expires_after(config().body_timeout);
    http::async_write(
        stream_, *res_,
        [self = shared_from_this(), close_after](error_code ec, std::size_t) {
          self->log_request();
          if (ec)
            return self->close();
          if (close_after)
            return self->linger_close();
          self->res_.reset();
          self->wait_for_request();
        });
  }

  void log_request() {
    const auto elapsed =
        std::chrono::duration<double, std::milli>(clock_type::now() - started_);
    owner_.log_.info(
        "request", {{"id", request_id_},
                    {"remote", remote_},
                    {"method", method_.empty() ? std::string("-") : method_},
                    {"path", target_.empty() ? std::string("-") : target_},
                    {"status", res_->result_int()},
                    {"bytes", static_cast<std::uint64_t>(res_->body().size())},
                    {"duration_ms", elapsed.count()}});
    method_.clear();
    target_.clear();
  }

  // Closing a socket that still has unread input makes the kernel send a
  // reset, which can destroy the answer before the client reads it (a 413
  // sent while the body is still arriving, say). So stop sending, then
  // drain what the client still sends for a short while before closing.
  void linger_close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    drain(64 * 1024);
  }

  void drain(std::size_t budget) {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(
        buffer_.prepare(4096),
        [self = shared_from_this(), budget](error_code ec, std::size_t n) {
          if (ec || n >= budget)
            return self->close();
          self->drain(budget - n);
        });
  }

  void close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  http_server& owner_;
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
  std::make_shared<connection>(std::move(socket), *this)->start(refuse);
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
