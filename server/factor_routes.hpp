// Second factors in the account API: the second step of a sign-in with a
// TOTP code or a recovery code (both limited against guessing), enrolling,
// confirming and removing an authenticator app, recovery codes (a new set
// shown once; how many are left), the user's sessions (list, end one),
// and the user's own setting to accept only phishing-resistant sign-in.
//
// Thread-safe: the routes use only the services, which are.
#pragma once

#include "server/account_support.hpp"
#include "server/router.hpp"
#include "server/services.hpp"

namespace server {

void add_factor_routes(router& routes, services& s);
std::vector<route_entry> factor_route_list();

}  // namespace server
