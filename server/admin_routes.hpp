// The admin listener's routes: the admin API under /admin/v1 (bearer keys,
// never a cookie), session introspection for the integrator's back end,
// and /metrics. Served only on --admin-listen, loopback by default.
//
// Thread-safe: the routes use only the services, which are.
#pragma once

#include "server/router.hpp"
#include "server/services.hpp"

namespace server {

router make_admin_router(services& s);

}  // namespace server
