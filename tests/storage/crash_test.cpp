// Crash safety: a child process registers credentials and prints each id
// once the store acknowledged it; the test kills it with SIGKILL at a
// random moment, then finds the database sound and every printed id in it.
#include "tests/storage/backend.hpp"

#include "common/encoding.hpp"
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int kRounds = 24;

// How long a writer may take to start (slow under sanitizers) before the
// clock of a round that waits for its first registration starts anyway.
constexpr std::chrono::seconds kStartLimit{5};

// Runs the writer on `path`, kills it with SIGKILL `run_for` after it
// started (or, with `after_first`, after its first acknowledged
// registration), and returns every complete line it printed before dying.
std::vector<std::string> run_and_kill(const std::string& path,
                                      std::chrono::milliseconds run_for,
                                      bool after_first) {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(LATCHKEY_CRASH_WRITER, LATCHKEY_CRASH_WRITER, path.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buffer[4096];
  auto deadline =
      std::chrono::steady_clock::now() + (after_first ? kStartLimit : run_for);
  bool waiting = after_first;
  bool killed = false;
  for (;;) {
    if (waiting && text.find('\n') != std::string::npos) {
      waiting = false;
      deadline = std::chrono::steady_clock::now() + run_for;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!killed && left.count() <= 0) {
      ::kill(child, SIGKILL);
      killed = true;
    }
    pollfd p{out[0], POLLIN, 0};
    ::poll(&p, 1, killed ? 1000 : static_cast<int>(left.count()));
    if ((p.revents & (POLLIN | POLLHUP)) == 0) {
      continue;
    }
    const ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n <= 0) {
      break;  // the child is dead and the pipe drained
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));
  std::vector<std::string> lines;
  for (std::size_t start = 0, end;
       (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  return lines;
}

}  // namespace

TEST_CASE("crash: every acknowledged registration survives SIGKILL") {
  storage_test::temp_dir dir;
  const std::string path = dir.file("crash.db");
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pick_ms(1, 150);
  std::vector<std::string> acknowledged;
  for (int round = 0; round < kRounds; ++round) {
    // The first rounds may kill the writer while it creates and migrates
    // the database; later ones kill it in the middle of registering.
    const auto lines = run_and_kill(
        path, std::chrono::milliseconds(pick_ms(random)), round >= 4);
    acknowledged.insert(acknowledged.end(), lines.begin(), lines.end());

    const auto report = storage::check_sqlite_database(path);
    if (!report) {
      // Killed before the database file was first written: nothing can
      // have been acknowledged.
      REQUIRE(acknowledged.empty());
      continue;
    }
    CHECK(report->integrity_ok);
    CHECK(report->integrity_detail == "ok");

    storage::sqlite_options options;
    options.path = path;
    auto db = storage::open_sqlite_store(options);
    REQUIRE_MESSAGE(db, db.error().message);
    int missing = 0;
    for (const auto& hex : acknowledged) {
      const auto id = common::hex_decode(hex);
      REQUIRE(id);
      missing += (*db)->find_credential(*id) ? 0 : 1;
    }
    CHECK(missing == 0);
  }
  MESSAGE(acknowledged.size()
          << " acknowledged registrations over " << kRounds << " kills");
  CHECK(acknowledged.size() > 0);
}
