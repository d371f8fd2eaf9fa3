// The real server, started as a child process on an ephemeral port.
#include "http_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>

using server::http::field;
using server::http::status;
using server::http::verb;
using test_support::http_client;
using test_support::server_process;

namespace {

void check_security_headers(const server::response& res) {
  const std::string csp(res["Content-Security-Policy"]);
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'self'") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(res["X-Content-Type-Options"] == "nosniff");
  CHECK(res["Referrer-Policy"] == "no-referrer");
  CHECK(res["X-Frame-Options"] == "DENY");
  CHECK(res["X-Request-Id"].size() == 16);
}

void check_problem(const server::response& res, status expected,
                   std::string_view code) {
  CHECK(res.result() == expected);
  CHECK(res[field::content_type] == "application/problem+json");
  const auto body = nlohmann::json::parse(res.body(), nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body["code"] == code);
  CHECK(body["status"] == static_cast<unsigned>(expected));
  CHECK_FALSE(body["detail"].get<std::string>().empty());
  check_security_headers(res);
}

}  // namespace

TEST_CASE("healthz answers ok as JSON") {
  server_process server;
  http_client client(server.port());
  const auto res = client.request(verb::get, "/healthz");
  CHECK(res.result() == status::ok);
  CHECK(res[field::content_type] == "application/json");
  CHECK(nlohmann::json::parse(res.body())["status"] == "ok");
  check_security_headers(res);
}

TEST_CASE("static files come with their content type and security headers") {
  server_process server;
  http_client client(server.port());
  const std::pair<std::string_view, std::string_view> files[] = {
      {"/", "text/html; charset=utf-8"},
      {"/index.html", "text/html; charset=utf-8"},
      {"/app.js", "text/javascript; charset=utf-8"},
      {"/style.css", "text/css; charset=utf-8"},
  };
  for (const auto& [path, type] : files) {
    CAPTURE(path);
    const auto res = client.request(verb::get, path);
    CHECK(res.result() == status::ok);
    CHECK(res[field::content_type] == type);
    CHECK_FALSE(res.body().empty());
    check_security_headers(res);
  }
  const auto page = client.request(verb::get, "/");
  // The page loads its script from a file: the policy forbids inline code.
  CHECK(page.body().find("<script src=\"/app.js\"") != std::string::npos);
  CHECK(page.body().find("<script>") == std::string::npos);
}

TEST_CASE("HEAD on a static file gives its length and no body") {
  server_process server;
  http_client client(server.port());
  client.send("HEAD /style.css HTTP/1.1\r\nHost: localhost\r\n\r\n");
  const std::string head = client.read_head();
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(head.find("Content-Type: text/css; charset=utf-8\r\n") !=
        std::string::npos);
  CHECK(head.find("Content-Length: 0\r\n") == std::string::npos);
  // Had a body followed the head, this answer would not parse.
  CHECK(client.request(verb::get, "/healthz").result() == status::ok);
}

TEST_CASE("HEAD on a route or an unknown path sends no body either") {
  server_process server;
  http_client client(server.port());
  for (const std::string_view path : {"/healthz", "/no/such/page"}) {
    CAPTURE(path);
    client.send("HEAD " + std::string(path) +
                " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const std::string head = client.read_head();
    CHECK(head.find("Content-Length: 0\r\n") == std::string::npos);
    CHECK(head.find("Content-Length: ") != std::string::npos);
  }
  // A body after either head would be misread as this answer.
  CHECK(client.request(verb::get, "/healthz").result() == status::ok);
}

TEST_CASE("an unknown path gets a 404 problem document") {
  server_process server;
  http_client client(server.port());
  check_problem(client.request(verb::get, "/no/such/page"), status::not_found,
                "not_found");
  check_problem(client.request(verb::get, "/../etc/passwd"), status::not_found,
                "not_found");
}

TEST_CASE("a known path with the wrong method gets 405 and Allow") {
  server_process server;
  http_client client(server.port());
  auto res = client.request(verb::post, "/healthz", "{}", "application/json");
  check_problem(res, status::method_not_allowed, "method_not_allowed");
  CHECK(res[field::allow] == "GET, HEAD");
  res = client.request(verb::delete_, "/index.html");
  check_problem(res, status::method_not_allowed, "method_not_allowed");
  CHECK(res[field::allow] == "GET, HEAD");
}

TEST_CASE("a body over the limit gets 413 before it is read") {
  server_process server({"--body-limit", "1024"});
  http_client client(server.port());
  client.send(
      "POST /healthz HTTP/1.1\r\nHost: localhost\r\n"
      "Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n");
  const auto res = client.read();
  REQUIRE(res.has_value());
  check_problem(*res, status::payload_too_large, "body_too_large");
  CHECK(client.closed_by_server());
  // The head was read, so the log line says what was refused.
  CHECK(server.log().find("method=POST path=/healthz status=413") !=
        std::string::npos);
}

TEST_CASE("a chunked body over the limit gets 413") {
  server_process server({"--body-limit", "1024"});
  http_client client(server.port());
  std::string chunk(2000, 'x');
  client.send(
      "POST /healthz HTTP/1.1\r\nHost: localhost\r\n"
      "Transfer-Encoding: chunked\r\n\r\n7d0\r\n" +
      chunk + "\r\n0\r\n\r\n");
  const auto res = client.read();
  REQUIRE(res.has_value());
  check_problem(*res, status::payload_too_large, "body_too_large");
}

TEST_CASE("a malformed request line gets 400 and the server keeps serving") {
  server_process server;
  for (const char* raw :
       {"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET\r\n\r\n",
        "GET / HTTP/1.1\r\nHost localhost\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"}) {
    CAPTURE(raw);
    http_client client(server.port());
    client.send(raw);
    const auto res = client.read();
    REQUIRE(res.has_value());
    check_problem(*res, status::bad_request, "malformed_request");
    CHECK(client.closed_by_server());
  }
  http_client after(server.port());
  CHECK(after.request(verb::get, "/healthz").result() == status::ok);
}

TEST_CASE("an oversize request head gets 431") {
  server_process server;
  http_client client(server.port());
  client.send("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " +
              std::string(10000, 'a') + "\r\n\r\n");
  const auto res = client.read();
  REQUIRE(res.has_value());
  check_problem(*res, status::request_header_fields_too_large,
                "header_too_large");
}

TEST_CASE("a slow client is cut off by the header timeout, others are served") {
  server_process server({"--header-timeout", "600ms"});
  http_client slow(server.port(), std::chrono::seconds(5));
  const auto started = std::chrono::steady_clock::now();
  slow.send("GET / HTTP/1.1\r\n");
  // Trickle a header a byte at a time, as a slowloris attack does, while
  // another client is served normally.
  std::thread trickle([&slow] {
    for (int i = 0; i < 20; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!slow.try_send("X"))
        return;
    }
  });
  for (int i = 0; i < 5; ++i) {
    http_client other(server.port());
    CHECK(other.request(verb::get, "/healthz").result() == status::ok);
  }
  CHECK(slow.closed_by_server());
  const auto elapsed = std::chrono::steady_clock::now() - started;
  trickle.join();
  CHECK(elapsed < std::chrono::milliseconds(2500));
  CHECK(server.log().find("event=request_timeout") != std::string::npos);
}

TEST_CASE("an idle connection is closed after the idle timeout") {
  server_process server({"--idle-timeout", "300ms"});
  http_client client(server.port());
  CHECK(client.request(verb::get, "/healthz").result() == status::ok);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  CHECK(client.closed_by_server());
}

TEST_CASE("keep-alive serves several requests on one connection") {
  server_process server;
  http_client client(server.port());
  for (int i = 0; i < 5; ++i) {
    const auto res = client.request(verb::get, "/healthz");
    CHECK(res.result() == status::ok);
    CHECK(res.keep_alive());
  }
  // Two requests sent back to back are both answered, in order.
  client.send(
      "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  const auto first = client.read();
  const auto second = client.read();
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(first->result() == status::ok);
  CHECK(second->result() == status::not_found);
  CHECK_FALSE(second->keep_alive());
  CHECK(client.closed_by_server());
}

TEST_CASE("connections over the cap get 503") {
  server_process server({"--max-connections", "2"});
  http_client a(server.port());
  http_client b(server.port());
  CHECK(a.request(verb::get, "/healthz").result() == status::ok);
  CHECK(b.request(verb::get, "/healthz").result() == status::ok);
  http_client c(server.port());
  const auto refused = c.read();
  REQUIRE(refused.has_value());
  check_problem(*refused, status::service_unavailable, "too_many_connections");
  CHECK(a.request(verb::get, "/healthz").result() == status::ok);
}

TEST_CASE("SIGTERM lets the request in flight finish, then the server exits") {
  server_process server;
  http_client idle(server.port());
  CHECK(idle.request(verb::get, "/healthz").result() == status::ok);
  http_client busy(server.port());
  busy.send(
      "POST /healthz HTTP/1.1\r\nHost: localhost\r\n"
      "Content-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"a\":");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  server.send_signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  CHECK(idle.closed_by_server());
  CHECK_FALSE(test_support::can_connect(server.port()));
  busy.send("\"b\"}");
  const auto res = busy.read();
  REQUIRE(res.has_value());
  CHECK(res->result() == status::method_not_allowed);
  CHECK_FALSE(res->keep_alive());
  CHECK(server.wait() == 0);
  const auto log = server.log();
  CHECK(log.find("event=shutting_down signal=15") != std::string::npos);
  CHECK(log.find("method=POST path=/healthz status=405") != std::string::npos);
  CHECK(log.find("event=stopped") != std::string::npos);
}

TEST_CASE("SIGINT on an idle server stops it at once") {
  server_process server;
  server.send_signal(SIGINT);
  CHECK(server.wait(std::chrono::seconds(5)) == 0);
}

TEST_CASE("shutdown closes connections still open after the grace period") {
  server_process server({"--shutdown-grace", "300ms"});
  http_client stuck(server.port());
  stuck.send("POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const auto sent = std::chrono::steady_clock::now();
  server.send_signal(SIGTERM);
  CHECK(server.wait(std::chrono::seconds(5)) == 0);
  CHECK(std::chrono::steady_clock::now() - sent < std::chrono::seconds(3));
}

TEST_CASE("every request is logged once with its id, status and duration") {
  server_process server;
  http_client client(server.port());
  const auto res = client.request(verb::get, "/nope?q=%22%0a");
  const std::string id(res["X-Request-Id"]);
  server.send_signal(SIGTERM);
  CHECK(server.wait() == 0);
  const auto log = server.log();
  const auto at = log.find("event=request id=" + id);
  REQUIRE(at != std::string::npos);
  const auto line = log.substr(at, log.find('\n', at) - at);
  CHECK(line.find("method=GET path=\"/nope?q=%22%0a\" status=404") !=
        std::string::npos);
  CHECK(line.find("duration_ms=") != std::string::npos);
  CHECK(log.find("event=request id=" + id, at + 1) == std::string::npos);
}
