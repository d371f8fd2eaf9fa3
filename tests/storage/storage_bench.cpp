// What a sign-in costs the store as it grows: find_credential by id plus
// record_sign_in, with 1,000 and with 1,000,000 credentials stored. After
// the benchmark table, one line gives the time per operation at each size
// and their ratio (the target is at most 1.5). Timing is never asserted;
// docs/storage.md says how to run it and what was measured.
//
// The databases are filled directly through SQLite in one transaction
// with one prepared insert, ids in sorted order, so that a million rows
// take seconds rather than a million synced commits.
#include "common/crypto.hpp"
#include "storage/sqlite.hpp"
#include "storage/sqlite_store.hpp"

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr double kTarget = 1.5;
constexpr std::int64_t kUsers = 1000;

namespace sqlite = storage::sqlite;

// A credential id as an authenticator would make it: 32 bytes that look
// random, here the SHA-256 of the index.
common::bytes credential_id(std::uint64_t n) {
  const auto digest = common::sha256(
      common::byte_view(reinterpret_cast<const std::uint8_t*>(&n), sizeof n));
  return {digest.begin(), digest.end()};
}

bool fill(const std::string& path, std::int64_t count) {
  sqlite::connection c;
  std::string message;
  if (sqlite::connection::open(path, SQLITE_OPEN_READWRITE, c, message) !=
          SQLITE_OK ||
      c.exec("BEGIN") != SQLITE_OK) {
    return false;
  }
  for (std::int64_t u = 1; u <= kUsers; ++u) {
    const auto handle = credential_id(static_cast<std::uint64_t>(-u));
    if (!sqlite::execute(c,
                         "INSERT INTO users (id, handle, username, "
                         "display_name, created_at) VALUES (?, ?, ?, ?, 0)",
                         u, handle, "user" + std::to_string(u), "User")) {
      return false;
    }
  }
  // Fixed-size digests: sorting them compares arrays, not vectors.
  std::vector<common::sha256_digest> ids;
  ids.reserve(static_cast<std::size_t>(count));
  for (std::int64_t n = 0; n < count; ++n) {
    const auto v = static_cast<std::uint64_t>(n);
    ids.push_back(common::sha256(common::byte_view(
        reinterpret_cast<const std::uint8_t*>(&v), sizeof v)));
  }
  std::sort(ids.begin(), ids.end());
  const common::bytes key(77, 0xa5), aaguid(16, 0), object(200, 0x42);
  std::int64_t n = 0;
  for (const auto& id : ids) {
    if (!sqlite::execute(
            c,
            "INSERT INTO credentials (id, user_id, public_key, algorithm, "
            "sign_count, transports, aaguid, attestation_format, "
            "attestation_type, attestation_trusted, attestation_object, "
            "backup_eligible, backup_state, uv_initialized, nickname, "
            "created_at, possibly_cloned) VALUES (?, ?, ?, -7, 1, "
            "'[\"usb\"]', ?, 'packed', 'basic', 1, ?, 0, 0, 1, 'key', 0, 0)",
            common::byte_view(id), 1 + n++ % kUsers, key, aaguid, object)) {
      return false;
    }
  }
  return c.exec("COMMIT") == SQLITE_OK;
}

// One database per size, filled on first use and kept for every run.
struct fixture {
  std::filesystem::path dir;
  std::unique_ptr<storage::store> db;
  std::int64_t count = 0;

  ~fixture() {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

fixture* fixture_for(std::int64_t count) {
  static std::map<std::int64_t, std::unique_ptr<fixture>> fixtures;
  auto& slot = fixtures[count];
  if (slot) {
    return slot.get();
  }
  auto f = std::make_unique<fixture>();
  std::string pattern =
      (std::filesystem::temp_directory_path() / "latchkey-bench-XXXXXX")
          .string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return nullptr;
  }
  f->dir = pattern;
  f->count = count;
  storage::sqlite_options options;
  options.path = (f->dir / "bench.db").string();
  if (auto created = storage::open_sqlite_store(options); !created) {
    return nullptr;
  }
  if (!fill(options.path, count)) {
    return nullptr;
  }
  auto opened = storage::open_sqlite_store(options);
  if (!opened) {
    return nullptr;
  }
  f->db = std::move(*opened);
  slot = std::move(f);
  return slot.get();
}

void bm_sign_in(benchmark::State& state) {
  fixture* const f = fixture_for(state.range(0));
  if (f == nullptr) {
    state.SkipWithError("cannot build the database");
    return;
  }
  std::mt19937_64 random(42);
  std::uniform_int_distribution<std::uint64_t> pick(
      0, static_cast<std::uint64_t>(f->count - 1));
  const auto now = std::chrono::system_clock::now();
  for (auto _ : state) {
    const auto id = credential_id(pick(random));
    const auto found = f->db->find_credential(id);
    if (!found) {
      state.SkipWithError("a stored credential was not found");
      return;
    }
    const auto updated =
        f->db->record_sign_in(id, {found->sign_count + 1, false, now});
    if (!updated) {
      state.SkipWithError("the counter update failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_sign_in)
    ->Arg(1'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MinTime(2.0);

// Keeps what the console shows, and each run's real time per iteration.
class recording_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.run_type == Run::RT_Iteration && !run.error_occurred) {
        times_[run.benchmark_name()] = run.GetAdjustedRealTime();
      } else if (run.aggregate_name == "median") {
        times_[run.run_name.str()] = run.GetAdjustedRealTime();
      }
    }
  }
  double time_of(const std::string& name) const {
    const auto found = times_.find(name);
    return found == times_.end() ? 0.0 : found->second;
  }

 private:
  std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  recording_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double small =
      reporter.time_of("bm_sign_in/1000/min_time:2.000/real_time");
  const double large =
      reporter.time_of("bm_sign_in/1000000/min_time:2.000/real_time");
  if (small > 0 && large > 0) {
    std::printf(
        "sign-in (find_credential + record_sign_in): %.1f us at 1,000, "
        "%.1f us at 1,000,000; ratio %.2f (target <= %.1f)\n",
        small, large, large / small, kTarget);
  }
  benchmark::Shutdown();
  return 0;
}
