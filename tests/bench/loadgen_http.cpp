#include "tests/bench/loadgen_http.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>

namespace loadgen {
namespace {

namespace http = beast::http;
using error_code = boost::system::error_code;

// Errors come back as values: a failed request is a figure to count, not
// an exceptional event.
constexpr auto no_throw = asio::as_tuple(asio::use_awaitable);

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// True when the attributes after the first ';' carry Max-Age=0 (or less).
bool expires_now(std::string_view attributes) {
  while (!attributes.empty()) {
    const auto semi = attributes.find(';');
    const auto attribute = trim(attributes.substr(0, semi));
    const auto eq = attribute.find('=');
    if (eq != std::string_view::npos &&
        equal_ignoring_case(trim(attribute.substr(0, eq)), "max-age")) {
      const auto value = trim(attribute.substr(eq + 1));
      return !value.empty() &&
             (value.starts_with('-') ||
              value.find_first_not_of('0') == std::string_view::npos);
    }
    if (semi == std::string_view::npos)
      break;
    attributes.remove_prefix(semi + 1);
  }
  return false;
}

answer no_answer(std::string_view step, const error_code& ec) {
  return {0, std::string(step) + ": " + ec.message()};
}

}  // namespace

void cookie_jar::store(std::string_view set_cookie) {
  const auto semi = set_cookie.find(';');
  const auto pair = set_cookie.substr(0, semi);
  const auto eq = pair.find('=');
  if (eq == std::string_view::npos)
    return;
  const auto name = trim(pair.substr(0, eq));
  if (name.empty())
    return;
  if (semi != std::string_view::npos &&
      expires_now(set_cookie.substr(semi + 1))) {
    if (const auto it = cookies_.find(name); it != cookies_.end())
      cookies_.erase(it);
    return;
  }
  cookies_.insert_or_assign(std::string(name),
                            std::string(trim(pair.substr(eq + 1))));
}

std::string cookie_jar::header() const {
  std::string out;
  for (const auto& [name, value] : cookies_) {
    if (!out.empty())
      out += "; ";
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

connection::connection(asio::any_io_executor executor, const target& where)
    : where_(where), stream_(std::move(executor)) {}

asio::awaitable<error_code> connection::connect() {
  if (open_)
    co_return error_code{};
  stream_.expires_after(where_.timeout);
  auto [ec, endpoint] =
      co_await stream_.async_connect(where_.endpoints, no_throw);
  if (ec)
    co_return ec;
  // Requests are small and each waits for its answer: Nagle would only
  // add delay.
  stream_.socket().set_option(tcp::no_delay(true), ec);
  buffer_.clear();
  open_ = true;
  co_return error_code{};
}

asio::awaitable<answer> connection::post(std::string_view path,
                                         std::string body) {
  if (const auto ec = co_await connect(); ec)
    co_return no_answer("connect", ec);

  http::request<http::string_body> req{http::verb::post, path, 11};
  req.set(http::field::host, where_.host_header);
  req.set(http::field::user_agent, "latchkey-loadgen");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json");
  req.set(http::field::origin, where_.origin);
  if (auto cookies = cookies_.header(); !cookies.empty())
    req.set(http::field::cookie, std::move(cookies));
  req.body() = std::move(body);
  req.prepare_payload();

  stream_.expires_after(where_.timeout);
  if (auto [ec, n] = co_await http::async_write(stream_, req, no_throw); ec) {
    close();
    co_return no_answer("write", ec);
  }
  http::response<http::string_body> res;
  if (auto [ec, n] = co_await http::async_read(stream_, buffer_, res, no_throw);
      ec) {
    close();
    co_return no_answer("read", ec);
  }
  for (auto [it, end] = res.equal_range(http::field::set_cookie); it != end;
       ++it) {
    cookies_.store(it->value());
  }
  if (!res.keep_alive())
    close();
  co_return answer{res.result_int(), std::move(res.body())};
}

void connection::close() noexcept {
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  buffer_.clear();
  open_ = false;
}

}  // namespace loadgen
