#include "server/router.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace server;

namespace {

response text(std::string body) {
  response res{http::status::ok, 11};
  res.body() = std::move(body);
  return res;
}

router make_routes() {
  router r;
  r.add(http::verb::get, "/a",
        [](const request&, request_context&) { return text("get a"); });
  r.add(http::verb::post, "/a",
        [](const request&, request_context&) { return text("post a"); });
  r.set_fallback(
      [](const request& req, request_context&) -> std::optional<response> {
        if (target_path(req.target()) == "/file")
          return text("file");
        return std::nullopt;
      });
  return r;
}

response call(const router& r, http::verb method, std::string_view target) {
  request_context ctx;
  return r.handle(request{method, target, 11}, ctx);
}

}  // namespace

TEST_CASE("routes match on method and path, ignoring the query") {
  const auto r = make_routes();
  CHECK(call(r, http::verb::get, "/a").body() == "get a");
  CHECK(call(r, http::verb::post, "/a?x=1").body() == "post a");
  CHECK(call(r, http::verb::head, "/a").body() == "get a");
}

TEST_CASE("an unknown path is 404 with a problem document") {
  const auto res = call(make_routes(), http::verb::get, "/b");
  CHECK(res.result() == http::status::not_found);
  CHECK(nlohmann::json::parse(res.body())["code"] == "not_found");
}

TEST_CASE("a known path with another method is 405 listing the allowed") {
  const auto res = call(make_routes(), http::verb::put, "/a");
  CHECK(res.result() == http::status::method_not_allowed);
  CHECK(res[http::field::allow] == "GET, HEAD, POST");
}

TEST_CASE("the fallback serves GET only") {
  const auto r = make_routes();
  CHECK(call(r, http::verb::get, "/file").body() == "file");
  const auto res = call(r, http::verb::post, "/file");
  CHECK(res.result() == http::status::method_not_allowed);
  CHECK(res[http::field::allow] == "GET, HEAD");
  CHECK(call(r, http::verb::get, "/nofile").result() ==
        http::status::not_found);
}

TEST_CASE("target_path drops the query and fragment") {
  CHECK(target_path("/a/b?c=d") == "/a/b");
  CHECK(target_path("/a#x") == "/a");
  CHECK(target_path("/") == "/");
}

TEST_CASE("prefix routes match one more path segment") {
  router r;
  r.add_prefix(http::verb::delete_, "/items/",
               [](const request& req, request_context&) {
                 return text(std::string(req.target().substr(7)));
               });
  CHECK(call(r, http::verb::delete_, "/items/abc").body() == "abc");
  CHECK(call(r, http::verb::delete_, "/items/").result() ==
        http::status::not_found);
  CHECK(call(r, http::verb::delete_, "/items/a/b").result() ==
        http::status::not_found);
  CHECK(call(r, http::verb::get, "/items/abc").result() ==
        http::status::method_not_allowed);
}
