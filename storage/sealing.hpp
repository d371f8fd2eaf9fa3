// Sealing secrets at rest: AES-256-GCM with a fresh 96-bit nonce per seal,
// the purpose and the user id bound in as associated data, and the id of
// the key stored beside each sealed value so that keys can be rotated.
//
// Keys come from a key file (JSON, created with mode 0600; a file readable
// by group or others is refused) or from the environment, never from the
// TLS key. A new key file is only ever created for a database that holds no
// sealed rows: when sealed rows exist and their key is missing, opening
// fails rather than minting a key that could never open them.
//
// Thread-safe: a key_ring is immutable after loading; seal and open may be
// called from any thread.
#pragma once

#include "common/bytes.hpp"
#include "storage/store.hpp"

#include <map>
#include <string>
#include <vector>

namespace storage {

// The purpose a TOTP secret is sealed for; sealing and re-sealing must
// use the same spelling, or rotation cannot open the rows.
inline constexpr std::string_view kTotpSecretPurpose = "totp-secret";

class key_ring {
 public:
  key_ring() = default;
  key_ring(key_ring&&) noexcept = default;
  key_ring& operator=(key_ring&& other) noexcept;
  key_ring(const key_ring&) = default;
  key_ring& operator=(const key_ring&) = delete;
  // Wipes the keys before their memory is freed.
  ~key_ring();

  // Reads the key file at `path`. When it does not exist and
  // `may_create` is true (the database holds no sealed rows), creates it
  // with one fresh key, mode 0600. Fails with key_file_missing,
  // key_file_unsafe, key_file_malformed or io_failed, naming nothing
  // secret.
  static result<key_ring> load_file(const std::string& path, bool may_create);

  // Parses keys given as text (the key file's JSON), for keys that come
  // from the environment.
  static result<key_ring> parse(std::string_view text);

  // A ring with one fresh random key, for tests and first runs.
  static result<key_ring> generate();

  const std::string& current_key_id() const noexcept { return current_; }
  bool has_key(std::string_view key_id) const;

  result<sealed_value> seal(std::string_view purpose, user_id user,
                            byte_view plaintext) const;
  // Fails with unseal_failed when the key id is unknown or the value does
  // not open under it with this purpose and user.
  result<bytes> open(std::string_view purpose, user_id user,
                     const sealed_value& value) const;

  // A new current key; older keys stay for opening until removed.
  result<void> add_key();
  // Makes a key the ring holds the current one (the second step of a
  // rotation, once every node has the key). Fails with not_found.
  result<void> make_current(std::string_view key_id);
  // The ids of every key, in order; never key material.
  std::vector<std::string> key_ids() const;
  // Fails with key_file_missing when it is the current key.
  result<void> remove_key(std::string_view key_id);
  // Writes the ring to `path` (mode 0600, replaced atomically).
  result<void> save(const std::string& path) const;

 private:
  std::map<std::string, bytes, std::less<>> keys_;
  std::string current_;
};

// Re-seals every sealed value in `db` under the ring's current key. After
// it returns, keys other than the current one can be removed. Stops at the
// first value that does not open (unseal_failed) and, when `failed` is
// given, says which row it was.
result<std::size_t> reseal_all(store& db, const key_ring& keys,
                               store::sealed_row* failed = nullptr);

}  // namespace storage
