// The FIDO Alliance conformance-testing server API ("FIDO2: Conformance
// testing server API"): POST /attestation/options, /attestation/result,
// /assertion/options and /assertion/result, answering {"status": "ok"} or
// HTTP 400 with {"status": "failed", "errorMessage": "..."}, correlated by
// a cookie. Anyone can register a key under any name there, so it is off
// unless `serve --conformance-api` turns it on, and its users live in a
// database of their own: nothing of the account API can reach them, nor
// they it.
//
// Thread-safe: the routes use only the services, which are.
#pragma once

#include "server/account_routes.hpp"
#include "server/router.hpp"
#include "server/services.hpp"

namespace server {

// Needs s.conformance_store.
void add_conformance_routes(router& routes, services& s);

// Every path and method of the conformance API, for the OpenAPI check.
std::vector<route_entry> conformance_route_list();

}  // namespace server
