// Sessions: 256-bit random tokens held by the browser in a cookie and
// stored only as their SHA-256, with idle and absolute expiry, the methods
// a sign-in used and the assurance level they reached.
//
// Every sign-in step and privilege change starts a new session (a new
// token) and ends the old one, so a token seen before a sign-in is worth
// nothing after it.
//
// Thread-safe: the manager only reads its settings; the store locks.
#pragma once

#include "common/clock.hpp"
#include "server/api.hpp"
#include "server/beast.hpp"
#include "server/settings.hpp"
#include "storage/store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace server {

// NIST SP 800-63B authenticator assurance levels: one factor; two
// factors (or a passkey that verified its user); a hardware-bound key that
// verified its user.
enum class assurance_level { none = 0, aal1 = 1, aal2 = 2, aal3 = 3 };

std::string_view to_string(assurance_level level) noexcept;

// One way the user proved who they are, in this session.
struct auth_method {
  std::string type;  // "passkey", "password", "totp", "recovery-code"
  bool user_verified = false;
  common::time_point at;
};

// What a session may do: everything, or (before a second factor) only
// finish signing in or enroll a factor.
enum class session_kind { full, partial, enrollment };

struct session_state {
  session_kind kind = session_kind::full;
  std::vector<auth_method> methods;
  // The last strong sign-in (a second factor, or a passkey with user
  // verification): adding or changing a factor needs a recent one.
  std::optional<common::time_point> strong_at;
  // Begun with a password reset token: once a second factor completes it,
  // a new password may be set without the old one.
  bool password_reset = false;

  std::string to_json() const;
  static std::optional<session_state> from_json(std::string_view text);
};

struct active_session {
  storage::session row;
  session_state state;
  assurance_level assurance() const noexcept {
    return static_cast<assurance_level>(row.assurance);
  }
};

class session_manager {
 public:
  session_manager(storage::store& store, const settings& config)
      : store_(store), config_(config) {}

  // The live session the request's cookie names, or nullopt: no cookie, an
  // unknown or ended token, or a session past its idle or absolute expiry
  // (which is then removed). Records the use at most once a minute.
  std::optional<active_session> current(const request& req,
                                        common::time_point now) const;

  // A new session, not stored yet, and the Set-Cookie value that hands its
  // token to the browser: for a caller that stores it in a transaction of
  // its own.
  struct prepared {
    storage::session row;
    std::string cookie;
  };
  api_result<prepared> prepare(storage::user_id user, assurance_level assurance,
                               const session_state& state, const request& req,
                               std::string_view address,
                               common::time_point now) const;

  // A new session for `user`, stored, ending `replaced` when given. Gives
  // the Set-Cookie value that hands its token to the browser.
  api_result<std::string> start(storage::user_id user,
                                assurance_level assurance,
                                const session_state& state, const request& req,
                                std::string_view address,
                                common::time_point now,
                                const active_session* replaced) const;

  void end(const active_session& session) const;

  // The Set-Cookie value that deletes the session cookie.
  std::string clearing_cookie() const;

 private:
  storage::store& store_;
  const settings& config_;
};

// The SHA-256 of the request's session token, or empty when it has none:
// what a ceremony records as the session that began it.
common::bytes session_hash_of(const std::optional<active_session>& session);

}  // namespace server
