#include "server/keys.hpp"

#include <mutex>

#include <sys/stat.h>

namespace server {

key_holder::key_holder(storage::key_ring ring, std::string key_file)
    : ring_(std::move(ring)), key_file_(std::move(key_file)) {}

std::optional<key_holder::file_identity> key_holder::identify(
    const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return std::nullopt;
  file_identity id;
  id.device = static_cast<std::uint64_t>(info.st_dev);
  id.inode = static_cast<std::uint64_t>(info.st_ino);
  id.size = static_cast<std::int64_t>(info.st_size);
  id.modified_ns =
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 +
      static_cast<std::int64_t>(info.st_mtim.tv_nsec);
  return id;
}

// Unknown (never confirmed) counts as changed, so the first seal after
// start reads the file that is there now.
bool key_holder::file_changed() const {
  return !loaded_ || identify(key_file_) != loaded_;
}

storage::result<void> key_holder::reload(std::uint64_t seen) {
  // One reload at a time; threads that waited for it find the generation
  // moved on and use its result instead of reading the file again.
  const std::lock_guard serial(reload_mutex_);
  {
    const std::shared_lock lock(mutex_);
    if (generation_ != seen)
      return {};
  }
  // The file is read outside the ring's lock, so seal and open go on
  // meanwhile. When the file was replaced during the read, its identity is
  // left unknown and the next seal reads it again.
  const auto before = identify(key_file_);
  auto ring = storage::key_ring::load_file(key_file_, false);
  if (!ring)
    return ring.error();
  const auto after = identify(key_file_);
  const std::unique_lock lock(mutex_);
  ring_ = std::move(*ring);
  loaded_ = before == after ? before : std::nullopt;
  ++generation_;
  return {};
}

storage::result<storage::sealed_value> key_holder::seal(
    std::string_view purpose, storage::user_id user,
    common::byte_view plaintext) {
  std::uint64_t seen = 0;
  {
    const std::shared_lock lock(mutex_);
    if (key_file_.empty() || !file_changed())
      return ring_.seal(purpose, user, plaintext);
    seen = generation_;
  }
  if (auto reloaded = reload(seen); !reloaded)
    return reloaded.error();
  const std::shared_lock lock(mutex_);
  return ring_.seal(purpose, user, plaintext);
}

storage::result<common::bytes> key_holder::open(
    std::string_view purpose, storage::user_id user,
    const storage::sealed_value& value) {
  std::uint64_t seen = 0;
  {
    const std::shared_lock lock(mutex_);
    if (key_file_.empty() || ring_.has_key(value.key_id))
      return ring_.open(purpose, user, value);
    seen = generation_;
  }
  if (auto reloaded = reload(seen); !reloaded)
    return reloaded.error();
  const std::shared_lock lock(mutex_);
  return ring_.open(purpose, user, value);
}

std::string key_holder::current_key_id() const {
  const std::shared_lock lock(mutex_);
  return ring_.current_key_id();
}

bool key_holder::has_key(std::string_view key_id) const {
  const std::shared_lock lock(mutex_);
  return ring_.has_key(key_id);
}

std::uint64_t key_holder::reloads() const {
  const std::shared_lock lock(mutex_);
  return generation_;
}

}  // namespace server
