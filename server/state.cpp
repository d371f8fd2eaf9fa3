#include "server/state.hpp"

#include "storage/sqlite_store.hpp"

#include <set>

namespace server {
namespace {

using state_result = boost::system::result<server_state, std::string>;

// The keys: from LATCHKEY_SECRET_KEYS when set, else from the key file,
// which may be created only while nothing is sealed yet.
boost::system::result<storage::key_ring, std::string> load_keys(
    const settings& config, bool anything_sealed) {
  if (!config.secret_keys.empty()) {
    auto ring = storage::key_ring::parse(config.secret_keys);
    if (!ring)
      return "LATCHKEY_SECRET_KEYS: " + ring.error().message();
    return std::move(*ring);
  }
  auto ring = storage::key_ring::load_file(config.key_file, !anything_sealed);
  if (!ring) {
    if (ring.error() == storage::errc::key_file_missing && anything_sealed) {
      return "key file " + config.key_file +
             " is missing, and the database holds secrets sealed under it; "
             "restore the key file rather than creating a new one";
    }
    return "key file " + config.key_file + ": " + ring.error().message();
  }
  return std::move(*ring);
}

}  // namespace

state_result open_state(const settings& config) {
  storage::sqlite_options options;
  options.path = config.database;
  auto db = storage::open_sqlite_store(options);
  if (!db)
    return db.error().message;
  auto sealed = (*db)->list_sealed();
  if (!sealed) {
    return "database " + config.database + ": " + sealed.error().message();
  }
  auto keys = load_keys(config, !sealed->empty());
  if (!keys)
    return keys.error();

  // Every key id a sealed row names must be at hand, or those secrets are
  // lost: say which key is needed, and where.
  std::set<std::string> missing;
  for (const auto& row : *sealed) {
    if (!keys->has_key(row.value.key_id))
      missing.insert(row.value.key_id);
  }
  if (!missing.empty()) {
    std::string ids;
    for (const auto& id : missing)
      ids += (ids.empty() ? "" : ", ") + id;
    return "the database " + config.database +
           " holds secrets sealed under key id " + ids +
           ", which the key file " + config.key_file + " does not have";
  }
  // Keys from the file follow it through a rotation; keys from the
  // environment are fixed.
  auto holder = std::make_unique<key_holder>(
      std::move(*keys),
      config.secret_keys.empty() ? config.key_file : std::string());
  return server_state{std::move(*db), std::move(holder)};
}

}  // namespace server
