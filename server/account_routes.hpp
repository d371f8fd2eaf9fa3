// The account API under /api/v1: sign-up with a passkey, passkey sign-in
// (with a username or without), the signed-in user's keys (list, add,
// rename, remove), a fresh strong sign-in before sensitive changes,
// sign-out and /me. Every state-changing route needs a JSON body and an
// Origin from the configured list; every failure is a problem document.
//
// Thread-safe: the routes use only the services, which are.
#pragma once

#include "server/account_support.hpp"
#include "server/router.hpp"
#include "server/services.hpp"

namespace server {

void add_account_routes(router& routes, services& s);

// Every path and method of the account API, for the OpenAPI check.
std::vector<route_entry> account_route_list();

}  // namespace server
