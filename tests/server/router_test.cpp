#include "server/router.hpp"
#include "server/worker_pool.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <future>
#include <thread>

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

TEST_CASE("pattern routes match one segment in the middle") {
  router r;
  r.add_pattern(http::verb::post, "/users/{name}/disable",
                [](const request&, request_context&) { return text("off"); });
  r.add_pattern(http::verb::get, "/users/{name}",
                [](const request&, request_context&) { return text("one"); });
  CHECK(call(r, http::verb::post, "/users/ann/disable").body() == "off");
  CHECK(call(r, http::verb::get, "/users/disable").body() == "one");
  CHECK(call(r, http::verb::post, "/users//disable").result() ==
        http::status::not_found);
  CHECK(call(r, http::verb::post, "/users/a/b/disable").result() ==
        http::status::not_found);
  CHECK(call(r, http::verb::post, "/users/ann/disable/x").result() ==
        http::status::not_found);
  CHECK(call(r, http::verb::get, "/users/ann/disable").result() ==
        http::status::method_not_allowed);
}

TEST_CASE("a pooled route answers from a pool thread") {
  worker_pool pool(1, 4);
  router r;
  const auto caller = std::this_thread::get_id();
  std::promise<std::thread::id> ran_on;
  r.add_pooled(http::verb::post, "/slow",
               [&ran_on](const request&, request_context&) {
                 ran_on.set_value(std::this_thread::get_id());
                 return text("slow");
               });
  r.set_pool(&pool);
  const request req{http::verb::post, "/slow", 11};
  std::promise<std::string> answered;
  r.dispatch(req, {},
             [&answered](response res) { answered.set_value(res.body()); });
  CHECK(answered.get_future().get() == "slow");
  CHECK(ran_on.get_future().get() != caller);
  // Without dispatch, or without a pool, a pooled route cannot run.
  request_context ctx;
  CHECK(r.handle(req, ctx).result() == http::status::service_unavailable);
}

TEST_CASE("a full pool answers 503 at once and runs nothing more") {
  worker_pool pool(1, 1);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> first_started;
  std::atomic<int> runs{0};
  router r;
  r.add_pooled(http::verb::post, "/slow",
               [&](const request&, request_context&) {
                 if (++runs == 1)
                   first_started.set_value();
                 released.wait();
                 return text("done");
               });
  r.set_pool(&pool);
  const request req{http::verb::post, "/slow", 11};
  std::vector<std::promise<unsigned>> answers(4);
  const auto send = [&](std::size_t i) {
    r.dispatch(req, {}, [&answers, i](response res) {
      answers[i].set_value(res.result_int());
    });
  };
  send(0);
  first_started.get_future().wait();  // the one thread is busy now
  for (std::size_t i = 1; i < answers.size(); ++i)
    send(i);
  // One runs, one waits in the queue; the others are refused.
  CHECK(answers[2].get_future().get() == 503);
  CHECK(answers[3].get_future().get() == 503);
  release.set_value();
  CHECK(answers[0].get_future().get() == 200);
  CHECK(answers[1].get_future().get() == 200);
  CHECK(runs == 2);
}
