// The server's key holder follows its key file through a rotation: an
// unknown key id makes it read the file once more, a replaced file makes
// it seal under the file's new current key, and a file that cannot be read
// leaves the keys it holds untouched.
#include "server/keys.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPurpose = "totp-secret";
constexpr storage::user_id kUser = 7;

// A folder with a fresh key file in it, removed at the end of the test.
class key_folder {
 public:
  key_folder() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("latchkey-keys-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
    key_file_ = (path_ / "latchkey.key").string();
    REQUIRE(storage::key_ring::load_file(key_file_, true).has_value());
  }
  ~key_folder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  key_folder(const key_folder&) = delete;
  key_folder& operator=(const key_folder&) = delete;

  const std::string& key_file() const noexcept { return key_file_; }

  storage::key_ring load() const {
    auto ring = storage::key_ring::load_file(key_file_, false);
    REQUIRE(ring.has_value());
    return std::move(*ring);
  }

  // What `latchkey keys add` then `activate` do to the file, from another
  // process's point of view: a new current key. Returns the new ring.
  storage::key_ring rotate() const {
    auto ring = load();
    REQUIRE(ring.add_key().has_value());
    REQUIRE(ring.save(key_file_).has_value());
    return ring;
  }

 private:
  fs::path path_;
  std::string key_file_;
};

const common::bytes kSecret(20, 0x42);

}  // namespace

TEST_CASE("key holder: an unknown key id makes it read the file once") {
  const key_folder folder;
  server::key_holder holder(folder.load(), folder.key_file());
  const auto newer = folder.rotate();
  const auto sealed = newer.seal(kPurpose, kUser, kSecret);
  REQUIRE(sealed.has_value());
  CHECK_FALSE(holder.has_key(sealed->key_id));

  const auto opened = holder.open(kPurpose, kUser, *sealed);
  REQUIRE(opened.has_value());
  CHECK(*opened == kSecret);
  CHECK(holder.reloads() == 1);
  CHECK(holder.has_key(sealed->key_id));

  // Known now: no further reads.
  REQUIRE(holder.open(kPurpose, kUser, *sealed).has_value());
  CHECK(holder.reloads() == 1);
}

TEST_CASE("key holder: a key id the file lacks too fails after one read") {
  const key_folder folder;
  server::key_holder holder(folder.load(), folder.key_file());
  auto sealed = *folder.load().seal(kPurpose, kUser, kSecret);
  sealed.key_id = "nosuchkey";
  const auto opened = holder.open(kPurpose, kUser, sealed);
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error() == storage::errc::unseal_failed);
  CHECK(holder.reloads() == 1);
}

TEST_CASE("key holder: it seals under the current key of the newest file") {
  const key_folder folder;
  const auto first = folder.load();
  server::key_holder holder(first, folder.key_file());
  auto sealed = holder.seal(kPurpose, kUser, kSecret);
  REQUIRE(sealed.has_value());
  CHECK(sealed->key_id == first.current_key_id());
  const auto after_start = holder.reloads();
  CHECK(after_start == 1);  // the file is read again once after start

  // The file is unchanged: no reads.
  REQUIRE(holder.seal(kPurpose, kUser, kSecret).has_value());
  CHECK(holder.reloads() == after_start);

  const auto newer = folder.rotate();
  sealed = holder.seal(kPurpose, kUser, kSecret);
  REQUIRE(sealed.has_value());
  CHECK(sealed->key_id == newer.current_key_id());
  CHECK(holder.current_key_id() == newer.current_key_id());
  CHECK(holder.reloads() == after_start + 1);
  // What it sealed opens with the file's keys, as on any other node.
  CHECK(folder.load().open(kPurpose, kUser, *sealed).value() == kSecret);
}

TEST_CASE("key holder: a key file that cannot be read changes nothing") {
  const key_folder folder;
  const auto ring = folder.load();
  const auto sealed = *ring.seal(kPurpose, kUser, kSecret);
  server::key_holder holder(ring, folder.key_file());

  // Readable by others: refused, and sealing stops rather than go on under
  // keys the file may no longer hold.
  REQUIRE(::chmod(folder.key_file().c_str(), 0644) == 0);
  auto refused = holder.seal(kPurpose, kUser, kSecret);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error() == storage::errc::key_file_unsafe);
  // Values under keys it holds still open, without touching the file.
  CHECK(holder.open(kPurpose, kUser, sealed).value() == kSecret);

  fs::remove(folder.key_file());
  refused = holder.seal(kPurpose, kUser, kSecret);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error() == storage::errc::key_file_missing);
  auto unknown = sealed;
  unknown.key_id = "nosuchkey";
  CHECK(holder.open(kPurpose, kUser, unknown).error() ==
        storage::errc::key_file_missing);
  CHECK(holder.current_key_id() == ring.current_key_id());
  CHECK(holder.reloads() == 0);
}

TEST_CASE("key holder: keys from the environment are never reloaded") {
  const key_folder folder;
  const auto ring = folder.load();
  server::key_holder holder(ring, "");
  const auto newer = folder.rotate();
  const auto sealed = newer.seal(kPurpose, kUser, kSecret);
  REQUIRE(sealed.has_value());
  CHECK(holder.open(kPurpose, kUser, *sealed).error() ==
        storage::errc::unseal_failed);
  CHECK(holder.seal(kPurpose, kUser, kSecret)->key_id == ring.current_key_id());
  CHECK(holder.reloads() == 0);
}

TEST_CASE("key holder: threads meeting a new key at once read the file once") {
  const key_folder folder;
  server::key_holder holder(folder.load(), folder.key_file());
  const auto newer = folder.rotate();
  const auto sealed = *newer.seal(kPurpose, kUser, kSecret);
  std::atomic<int> opened{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      while (!go.load())
        std::this_thread::yield();
      for (int n = 0; n < 20; ++n) {
        const auto value = holder.open(kPurpose, kUser, sealed);
        if (value && *value == kSecret)
          ++opened;
      }
    });
  }
  go = true;
  for (auto& t : threads)
    t.join();
  CHECK(opened.load() == 8 * 20);
  CHECK(holder.reloads() == 1);
}
