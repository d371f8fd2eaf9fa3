// A child process for the crash test: opens the database at argv[1] and
// registers users and credentials from two threads until it is killed,
// printing "<hex credential id>\n" on stdout as soon as the store has
// acknowledged each one. Every line is one write(2), so a line in the pipe
// is a registration that returned success.
#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "storage/sqlite_store.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<bool> failed{false};

void write_line(const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n =
        ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) {
      failed = true;
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

void register_forever(storage::store& db, int thread) {
  const std::string prefix = "crash-" + std::to_string(::getpid()) + "-" +
                             std::to_string(thread) + "-";
  for (std::uint64_t n = 0; !failed; ++n) {
    storage::new_user nu;
    nu.handle = *common::random_bytes(64);
    nu.username = prefix + std::to_string(n);
    nu.display_name = nu.username;
    const auto now = std::chrono::system_clock::now();
    const auto u = db.create_user(nu, now);
    if (!u) {
      std::fprintf(stderr, "create_user: %s\n", u.error().message().c_str());
      failed = true;
      return;
    }
    storage::credential c;
    c.id = *common::random_bytes(32);
    c.user = u->id;
    c.public_key = common::bytes(77, 0xa5);
    c.algorithm = -7;
    c.aaguid = common::bytes(16, 0);
    c.attestation_format = "none";
    c.attestation_type = "none";
    c.attestation_object = common::bytes(200, 0x42);
    c.created_at = now;
    if (const auto added = db.add_credential(c); !added) {
      std::fprintf(stderr, "add_credential: %s\n",
                   added.error().message().c_str());
      failed = true;
      return;
    }
    write_line(common::hex_encode(c.id) + "\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: crash_writer DATABASE\n");
    return 2;
  }
  storage::sqlite_options options;
  options.path = argv[1];
  auto opened = storage::open_sqlite_store(options);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 1;
  }
  storage::store& db = **opened;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&db, t] { register_forever(db, t); });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  return 1;
}
