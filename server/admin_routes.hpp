// The admin listener's routes: the admin API under /admin/v1 (bearer keys,
// never a cookie), session introspection for the integrator's back end,
// and /metrics. Served only on --admin-listen, loopback by default.
//
// Every /admin/v1 request carries `Authorization: Bearer KEY`, a key made
// by `latchkey admin-key add`: without a known key it gets 401
// admin_unauthorized (with WWW-Authenticate: Bearer), and a key of role
// introspect gets 403 admin_forbidden on every route but introspection.
// docs/admin.md describes each route.
//
// Thread-safe: the routes use only the services, which are.
#pragma once

#include "server/account_support.hpp"
#include "server/router.hpp"
#include "server/services.hpp"

#include <vector>

namespace server {

router make_admin_router(services& s);

// Every path and method of the admin API, for the OpenAPI check.
std::vector<route_entry> admin_route_list();

}  // namespace server
