// Wires the layers into a running server: the routes, the static pages,
// the thread pool and the signals. This is the only place that knows all
// of them.
#pragma once

#include "common/log.hpp"
#include "server/router.hpp"
#include "server/services.hpp"
#include "server/settings.hpp"
#include "server/static_files.hpp"

namespace server {

// Every route of the server. `pages` and `shared` must outlive the router.
router make_router(const static_files& pages, services& shared);

// Runs `latchkey serve` until SIGINT or SIGTERM: returns 0 after a clean
// shutdown, 1 when the server cannot start (the reason is logged).
int serve(const settings& config, const common::logger& log);

}  // namespace server
