#include "server/state.hpp"

#include "storage/sqlite_store.hpp"

#include <set>

namespace server {
namespace {

using state_result = boost::system::result<server_state, std::string>;

std::string join(const std::set<std::string>& ids) {
  std::string out;
  for (const auto& id : ids)
    out += (out.empty() ? "" : ", ") + id;
  return out;
}

// Where the keys come from, for messages.
std::string key_source(const settings& config) {
  return config.secret_keys.empty() ? "the key file " + config.key_file
                                    : std::string("LATCHKEY_SECRET_KEYS");
}

// The keys: from LATCHKEY_SECRET_KEYS when set, else from the key file,
// which may be created only while nothing is sealed yet. `needed` are the
// key ids the database's sealed rows name.
boost::system::result<storage::key_ring, std::string> load_keys(
    const settings& config, const std::set<std::string>& needed) {
  if (!config.secret_keys.empty()) {
    auto ring = storage::key_ring::parse(config.secret_keys);
    if (!ring)
      return "LATCHKEY_SECRET_KEYS: " + ring.error().message();
    return std::move(*ring);
  }
  auto ring = storage::key_ring::load_file(config.key_file, needed.empty());
  if (ring)
    return std::move(*ring);
  const auto error = ring.error();
  if (error == storage::errc::key_file_missing) {
    return "key file " + config.key_file +
           " is missing, and the database holds secrets sealed under key "
           "id " +
           join(needed) +
           "; restore that key file rather than creating a new one";
  }
  if (error == storage::errc::io_failed) {
    return "key file " + config.key_file +
           " cannot be read or created (check the folder and its "
           "permissions)";
  }
  return "key file " + config.key_file + ": " + error.message();
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
  std::set<std::string> needed;
  for (const auto& row : *sealed)
    needed.insert(row.value.key_id);
  auto keys = load_keys(config, needed);
  if (!keys)
    return keys.error();

  // Every key id a sealed row names must be at hand, or those secrets are
  // lost: say which key is needed, and where.
  std::set<std::string> missing;
  for (const auto& id : needed) {
    if (!keys->has_key(id))
      missing.insert(id);
  }
  if (!missing.empty()) {
    return "the database " + config.database +
           " holds secrets sealed under key id " + join(missing) + ", which " +
           key_source(config) + " does not have";
  }
  // Keys from the file follow it through a rotation; keys from the
  // environment are fixed.
  auto holder = std::make_unique<key_holder>(
      std::move(*keys),
      config.secret_keys.empty() ? config.key_file : std::string());
  return server_state{std::move(*db), std::move(holder)};
}

}  // namespace server
