// Passwords in the account API: sign-up with a password (the account can
// then only enroll a second factor, unless --insecure-single-factor), the
// first step of a two-step sign-in, changing the password (with a recent
// second factor, and the current password unless a reset began it), and
// redeeming the one-time tokens an operator hands out: a password reset
// (a second factor must follow) and an enrollment link.
//
// Password hashes run on the bounded hash pool; a full pool answers 503.
//
// Thread-safe: the routes use only the services, which are.
#pragma once

#include "server/account_support.hpp"
#include "server/router.hpp"
#include "server/services.hpp"

namespace server {

void add_password_routes(router& routes, services& s);
std::vector<route_entry> password_route_list();

}  // namespace server
