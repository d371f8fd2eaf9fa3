#include "server/app.hpp"

#include "server/http_server.hpp"
#include "server/responses.hpp"
#include "server/state.hpp"

#include <thread>
#include <vector>

namespace server {

router make_router(const static_files& pages, services&) {
  router routes;
  routes.add(http::verb::get, "/healthz",
             [](const request& req, request_context&) {
               auto res = json_response(http::status::ok, R"({"status":"ok"})",
                                        req.version());
               res.set(http::field::cache_control, "no-store");
               return res;
             });
  routes.set_fallback([&pages](const request& req, request_context&) {
    return pages.serve(req);
  });
  return routes;
}

namespace {

boost::system::result<static_files, std::string> load_pages(
    const settings& config) {
  if (config.web_root.empty())
    return static_files::built_in();
  return static_files::load(config.web_root);
}

}  // namespace

int serve(const settings& config, const common::logger& log) {
  auto pages = load_pages(config);
  if (!pages) {
    log.error("start_failed", {{"reason", pages.error()}});
    return 1;
  }
  auto state = open_state(config);
  if (!state) {
    log.error("start_failed", {{"reason", state.error()}});
    return 1;
  }
  const common::system_clock clock;
  services shared{
      config,
      *state->store,
      *state->keys,
      clock,
      log,
      webauthn::relying_party{config.rp_id, config.origins, false, {}},
      {}};
  const router routes = make_router(*pages, shared);
  const auto threads = static_cast<int>(config.threads);
  asio::io_context ioc(threads);
  http_server http(ioc, config, routes, log);

  // The signal wait keeps run() from returning until the server has let go
  // of its last connection; then it is cancelled and run() ends.
  auto signal_strand = asio::make_strand(ioc);
  asio::signal_set signals(signal_strand, SIGINT, SIGTERM);
  http.on_stopped(
      [&] { asio::post(signal_strand, [&] { signals.cancel(); }); });
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec)
      return;
    log.info("shutting_down", {{"signal", signal}});
    http.shutdown();
  });

  const auto bound = http.start();
  if (!bound) {
    log.error("start_failed", {{"reason", "cannot listen on " + config.listen +
                                              ": " + bound.error().message()}});
    return 1;
  }
  log.info("listening", {{"address", bound->address().to_string()},
                         {"port", static_cast<unsigned>(bound->port())},
                         {"threads", threads},
                         {"pages", static_cast<std::uint64_t>(pages->size())}});
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i)
    pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool)
    t.join();
  log.info("stopped");
  return 0;
}

}  // namespace server
