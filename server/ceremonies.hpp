// Ceremony state kept in the store, never in process memory: any node on
// the same database can finish what another began. A ceremony is single
// use (taking it removes it), expires, and remembers its purpose, its user
// and the session that began it; a result for another purpose, user or
// session is refused, and the ceremony is gone all the same.
//
// The client holds an opaque handle (32 random bytes; only its SHA-256 is
// stored): a browser in a cookie, an API client in the JSON body.
//
// Thread-safe: functions over the store, which locks.
#pragma once

#include "common/clock.hpp"
#include "server/api.hpp"
#include "server/settings.hpp"
#include "storage/store.hpp"
#include "webauthn/ceremony.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace server {

struct ceremony_begin {
  storage::ceremony_kind kind = storage::ceremony_kind::sign_in;
  std::optional<storage::user_id> user;
  common::bytes session_hash;  // empty when begun without a session
  common::bytes challenge;
  webauthn::user_verification uv = webauthn::user_verification::preferred;
  nlohmann::json context = nlohmann::json::object();
};

// A new ceremony's row, expiring after the configured timeout, and the
// handle to hand to the client, for a caller that stores the row in a
// transaction of its own (store::put_sign_in_ceremony).
struct new_ceremony {
  std::string handle;
  storage::ceremony row;
};
api_result<new_ceremony> make_ceremony(const ceremony_begin& begin,
                                       const settings& config,
                                       common::time_point now);

// make_ceremony, and the row stored; gives the handle.
api_result<std::string> begin_ceremony(storage::store& store,
                                       const ceremony_begin& begin,
                                       const settings& config,
                                       common::time_point now);

// The handle from the body's "ceremony" member, else from the cookie.
std::optional<std::string> ceremony_handle(
    const request& req, const std::optional<std::string>& in_body,
    const settings& config);

// Takes the ceremony and checks that it was begun for `kind` in the
// session whose hash is `session_hash` (empty: none). Fails with
// ceremony_missing, ceremony_unknown, ceremony_expired,
// ceremony_purpose_mismatch or ceremony_session_mismatch; the ceremony is
// spent either way. The caller checks the user.
api_result<storage::ceremony> finish_ceremony(
    storage::store& store, const std::optional<std::string>& handle,
    storage::ceremony_kind kind, const common::bytes& session_hash,
    common::time_point now);

// The same checks for a sign-in result, which does not take its ceremony
// yet but holds it: finish_sign_in takes it in the transaction of what it
// decides (one write per result instead of two), or alone when it
// refuses; a ceremony refused here is taken at once. The credential is
// read in the same transaction as the ceremony: `owned` is the credential
// whose id the result names, with its owner (not_found when
// `credential_id` is empty or unknown).
struct held_sign_in {
  storage::ceremony ceremony;
  storage::result<storage::owned_credential> owned;
};
api_result<held_sign_in> hold_sign_in(storage::store& store,
                                      const std::optional<std::string>& handle,
                                      storage::ceremony_kind kind,
                                      const common::bytes& session_hash,
                                      common::time_point now,
                                      common::byte_view credential_id);

// The ceremony's context member, parsed back.
nlohmann::json ceremony_context(const storage::ceremony& c);

// One-time tokens an operator hands to a person (a password reset, an
// enrollment link after an admin reset): stored like a ceremony, by hash,
// single use, expiring after `lifetime`. A new token voids the user's
// earlier ones of the same kind. Gives the token text, which is never
// stored.
api_result<std::string> issue_one_time_token(storage::store& store,
                                             storage::ceremony_kind kind,
                                             storage::user_id user,
                                             std::chrono::milliseconds lifetime,
                                             common::time_point now);

// Takes the token; gives its user. Fails like finish_ceremony (an unknown,
// used, expired or other kind of token), with the token spent either way.
api_result<storage::user_id> redeem_one_time_token(storage::store& store,
                                                   const std::string& token,
                                                   storage::ceremony_kind kind,
                                                   common::time_point now);

// The Set-Cookie values that hand the handle to a browser, and delete it.
std::string ceremony_cookie(const std::string& handle, const settings& config);
std::string clear_ceremony_cookie(const settings& config);

}  // namespace server
