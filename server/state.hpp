// Opens what the server keeps between requests: the database and the keys
// that seal secrets in it. Refuses to start rather than risk data: a
// corrupt, foreign or newer database, a missing or unsafe key file, or a
// key that sealed rows need but the key file lacks.
#pragma once

#include "server/keys.hpp"
#include "server/settings.hpp"
#include "storage/store.hpp"

#include <memory>
#include <string>

namespace server {

struct server_state {
  std::unique_ptr<storage::store> store;
  // Follows the key file through a rotation (server/keys.hpp).
  std::unique_ptr<key_holder> keys;
};

// Fails with a sentence for the operator that names the file, the row or
// the key id at fault; never a secret.
boost::system::result<server_state, std::string> open_state(
    const settings& config);

}  // namespace server
