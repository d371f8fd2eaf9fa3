// What request handlers share: the settings, the store, the sealing keys,
// the clock, the logger and the WebAuthn relying party. Built once in
// `serve` and passed by reference to every group of routes.
//
// Thread-safe: every member is safe to use from any thread (the store, the
// keys and the logger lock inside; the rest is read-only while serving).
#pragma once

#include "common/clock.hpp"
#include "common/log.hpp"
#include "server/keys.hpp"
#include "server/settings.hpp"
#include "storage/store.hpp"
#include "webauthn/ceremony.hpp"
#include "webauthn/trust.hpp"

namespace server {

struct services {
  const settings& config;
  storage::store& store;
  key_holder& keys;  // follows the key file through a rotation
  const common::clock& clock;
  const common::logger& log;
  webauthn::relying_party rp;
  webauthn::trust_store trust;
};

}  // namespace server
