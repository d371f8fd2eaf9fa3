#include "server/admin_routes.hpp"

#include "server/metrics.hpp"
#include "server/responses.hpp"

namespace server {

router make_admin_router(services& s) {
  router routes;
  routes.add(http::verb::get, "/metrics",
             [&s](const request& req, request_context&) {
               response res{http::status::ok, req.version()};
               res.set(http::field::content_type,
                       "text/plain; version=0.0.4; charset=utf-8");
               res.set(http::field::cache_control, "no-store");
               res.body() = s.stats != nullptr ? s.stats->render() : "";
               res.prepare_payload();
               return res;
             });
  return routes;
}

}  // namespace server
