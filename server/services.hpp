// What every group of routes shares: the settings, the store, the sealing
// keys, the clock, the logger, the WebAuthn relying party, attestation
// trust and policy, and the session manager. Built once in `serve` and
// passed by reference to every group of routes.
//
// Thread-safe: every member is safe to use from any thread (the store, the
// keys and the logger lock inside; the rest is read-only while serving).
#pragma once

#include "common/clock.hpp"
#include "common/log.hpp"
#include "server/keys.hpp"
#include "server/sessions.hpp"
#include "server/settings.hpp"
#include "storage/store.hpp"
#include "totp/recovery.hpp"
#include "webauthn/ceremony.hpp"
#include "webauthn/metadata.hpp"
#include "webauthn/policy.hpp"
#include "webauthn/trust.hpp"

namespace server {

class metrics;
class worker_pool;

struct services {
  const settings& config;
  storage::store& store;
  key_holder& keys;  // follows the key file through a rotation
  const common::clock& clock;
  const common::logger& log;
  webauthn::relying_party rp;
  webauthn::trust_store trust;
  webauthn::metadata_store metadata;
  webauthn::registration_policy policy;
  session_manager sessions;
  // The key behind made-up credential ids for unknown usernames, shared by
  // every node through the store.
  common::bytes enumeration_key;
  // The conformance API's own database; null when that API is off.
  storage::store* conformance_store = nullptr;
  class metrics* stats = nullptr;
  // Threads for password and recovery-code hashes, bounded.
  worker_pool* hashes = nullptr;
  // Passwords refused as breached or common; null when none are listed.
  const class breach_list* breached = nullptr;
  // A password hash of the configured cost that no password matches, so
  // that an unknown user's sign-in costs the same hash.
  std::string dummy_password_hash{};
  // The slow hash behind recovery codes.
  const totp::recovery_hasher* recovery = nullptr;
};

}  // namespace server
