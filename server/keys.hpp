// The sealing keys of a running server, kept in step with the key file so
// that keys can be rotated while the server runs (docs/operations.md,
// "Rotating the sealing keys").
//
// A rotation changes the key file under a running server twice: a new key
// is added, then made current while every row is sealed again under it.
// The holder notices both without a restart:
// - open() meets a value sealed under a key id it does not hold (another
//   node already re-sealed it under the new key): it reads the key file
//   once more and retries, once;
// - seal() first checks whether the key file was replaced since it was
//   read (device, inode, size, modification time) and, if so, reads it
//   again, so new values are sealed under the file's current key.
// A key file that fails to load during a reload (missing, unsafe,
// malformed) leaves the keys in memory as they were; seal() then fails
// with that error rather than seal under a key the file may have dropped,
// and open() fails with it.
//
// Keys given in the environment (no path) are never reloaded.
//
// Thread-safe: any number of threads may seal and open at once; a reload
// takes the lock exclusively for the moment it swaps the ring.
#pragma once

#include "storage/sealing.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

namespace server {

class key_holder {
 public:
  // `ring` was read from `key_file`; an empty `key_file` means the keys
  // came from the environment and are fixed. The first seal() reads the
  // file again, since it may have been replaced after `ring` was read.
  key_holder(storage::key_ring ring, std::string key_file);

  key_holder(const key_holder&) = delete;
  key_holder& operator=(const key_holder&) = delete;

  // Seals under the current key of the newest key file. Fails with the
  // key_ring::load_file errors when the file changed and cannot be read,
  // or key_ring::seal's errors.
  storage::result<storage::sealed_value> seal(std::string_view purpose,
                                              storage::user_id user,
                                              common::byte_view plaintext);

  // Opens a sealed value, reading the key file once more when its key id
  // is unknown. Fails with unseal_failed, or the load_file errors when
  // that reload fails.
  storage::result<common::bytes> open(std::string_view purpose,
                                      storage::user_id user,
                                      const storage::sealed_value& value);

  std::string current_key_id() const;
  bool has_key(std::string_view key_id) const;

  // How many times the key file was read again; for tests and metrics.
  std::uint64_t reloads() const;

 private:
  struct file_identity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t size = 0;
    std::int64_t modified_ns = 0;
    friend bool operator==(const file_identity&,
                           const file_identity&) = default;
  };

  static std::optional<file_identity> identify(const std::string& path);
  // Reads the key file again unless another thread did since `seen`.
  // Called without the lock held.
  storage::result<void> reload(std::uint64_t seen);
  bool file_changed() const;

  std::mutex reload_mutex_;  // one reload at a time
  mutable std::shared_mutex mutex_;
  storage::key_ring ring_;
  const std::string key_file_;
  std::optional<file_identity> loaded_;  // of the file ring_ came from
  std::uint64_t generation_ = 0;         // rises with every reload
};

}  // namespace server
