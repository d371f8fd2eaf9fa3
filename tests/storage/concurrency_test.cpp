// Races that the store must decide: of 32 threads consuming one single-use
// value at once, exactly one succeeds; counters never go backwards; one
// credential id is registered once. Written against storage::store only.
#include "tests/storage/backend.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <random>
#include <thread>

using common::from_unix_seconds;
using storage::errc;
using namespace std::chrono_literals;

namespace {

constexpr int kThreads = 32;
constexpr int kRounds = 5;
const common::time_point kNow = from_unix_seconds(1'750'000'000);

struct outcome_count {
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};  // the failure the race should produce
  std::atomic<int> other{0};    // anything else: a bug or a timeout
};

// Starts `threads` threads that wait on one latch, then each call
// `attempt(thread_index)` and count how it ended against `refused`.
template <class Attempt>
void race(int threads, errc refused, outcome_count& count, Attempt attempt) {
  std::latch start(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      const auto r = attempt(t);
      if (r) {
        ++count.ok;
      } else if (r.error() == refused) {
        ++count.refused;
      } else {
        ++count.other;
      }
    });
  }
  for (auto& thread : pool) {
    thread.join();
  }
}

struct fixture {
  storage_test::temp_dir dir;
  std::unique_ptr<storage::store> db = storage_test::make_store(dir);
  storage::store& s = *db;
  storage::user_id alice = 0;

  fixture() {
    const auto u = s.create_user(storage_test::sample_user("alice"), kNow);
    REQUIRE(u);
    alice = u->id;
  }
};

}  // namespace

TEST_CASE("race: 32 threads take one ceremony, exactly one gets it") {
  fixture f;
  for (int round = 0; round < kRounds; ++round) {
    storage::ceremony c;
    c.handle_hash = common::bytes(32, static_cast<std::uint8_t>(round));
    c.challenge = common::bytes(32, 1);
    c.expires_at = kNow + 5min;
    REQUIRE(f.s.put_ceremony(c));
    outcome_count count;
    race(kThreads, errc::not_found, count,
         [&](int) { return f.s.take_ceremony(c.handle_hash, kNow); });
    CHECK(count.ok == 1);
    CHECK(count.refused == kThreads - 1);
    CHECK(count.other == 0);
  }
}

TEST_CASE("race: results of one held ceremony on two nodes, one commits") {
  // Each thread has read the ceremony (as a sign-in result does before it
  // verifies) and then commits; half of them through a second store on
  // the same file, as another server would. The ceremony's DELETE decides.
  fixture f;
  const auto other_node = storage_test::make_store(f.dir);
  const auto id = storage_test::sample_id(1);
  REQUIRE(f.s.add_credential(storage_test::sample_credential(f.alice, id)));
  for (int round = 0; round < kRounds; ++round) {
    storage::ceremony c;
    c.handle_hash = common::bytes(32, static_cast<std::uint8_t>(round));
    c.kind = storage::ceremony_kind::sign_in;
    c.challenge = common::bytes(32, 1);
    c.expires_at = kNow + 5min;
    REQUIRE(f.s.put_ceremony(c));
    REQUIRE(other_node->peek_ceremony(c.handle_hash, kNow));
    outcome_count count;
    race(kThreads, errc::already_used, count, [&](int t) {
      storage::store& node = t % 2 == 0 ? f.s : *other_node;
      // Every thread's counter is above any earlier round's, so only the
      // ceremony can refuse it.
      const auto counter = static_cast<std::uint32_t>(100 * (round + 1) + t);
      return node.commit_sign_in(
          {id, {counter, false, kNow}, {}, {}, {}, c.handle_hash});
    });
    CHECK(count.ok == 1);
    CHECK(count.refused == kThreads - 1);
    CHECK(count.other == 0);
    CHECK(f.s.peek_ceremony(c.handle_hash, kNow).error() == errc::not_found);
  }
}

TEST_CASE("race: 32 threads accept one TOTP step, exactly one succeeds") {
  fixture f;
  storage::totp_enrollment e;
  e.user = f.alice;
  e.secret = {"k", common::bytes(48, 1)};
  e.algorithm = "SHA1";
  REQUIRE(f.s.put_pending_totp(e));
  REQUIRE(f.s.confirm_totp(f.alice, 100));
  for (int round = 1; round <= kRounds; ++round) {
    outcome_count count;
    race(kThreads, errc::already_used, count,
         [&](int) { return f.s.accept_totp_step(f.alice, 100 + round); });
    CHECK(count.ok == 1);
    CHECK(count.refused == kThreads - 1);
    CHECK(count.other == 0);
  }
}

TEST_CASE("race: 32 threads use one recovery code, exactly one succeeds") {
  fixture f;
  for (int round = 0; round < kRounds; ++round) {
    const std::string lookup = "code-" + std::to_string(round);
    REQUIRE(
        f.s.replace_recovery_codes(f.alice, {{lookup, "hash", std::nullopt}}));
    outcome_count count;
    race(kThreads, errc::already_used, count,
         [&](int) { return f.s.use_recovery_code(f.alice, lookup, kNow); });
    CHECK(count.ok == 1);
    CHECK(count.refused == kThreads - 1);
    CHECK(count.other == 0);
  }
}

TEST_CASE("race: two registrations of one credential id, one refused") {
  fixture f;
  const auto bob = f.s.create_user(storage_test::sample_user("bob"), kNow);
  REQUIRE(bob);
  for (std::uint32_t round = 0; round < 20; ++round) {
    const auto id = storage_test::sample_id(round);
    outcome_count count;
    race(2, errc::already_exists, count, [&](int t) {
      return f.s.add_credential(
          storage_test::sample_credential(t == 0 ? f.alice : bob->id, id));
    });
    CHECK(count.ok == 1);
    CHECK(count.refused == 1);
    CHECK(count.other == 0);
  }
}

namespace {

// One call to record_sign_in, with when it started and ended.
struct counter_update {
  std::uint32_t value = 0;
  std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::time_point end;
  bool acknowledged = false;
};

}  // namespace

TEST_CASE("race: concurrent counter updates never go backwards") {
  fixture f;
  const auto id = storage_test::sample_id(1);
  REQUIRE(f.s.add_credential(storage_test::sample_credential(f.alice, id)));
  constexpr int kPerThread = 10;
  std::vector<std::vector<counter_update>> updates(kThreads);
  std::atomic<int> errors{0};
  std::latch start(kThreads);
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937 random(static_cast<std::uint32_t>(t) * 7919u + 1u);
      // Each thread climbs on its own by random steps, so the threads'
      // values interleave and many updates win.
      std::uniform_int_distribution<std::uint32_t> pick(1, 100);
      std::uint32_t value = 0;
      start.arrive_and_wait();
      for (int n = 0; n < kPerThread; ++n) {
        counter_update u;
        value += pick(random);
        u.value = value;
        u.start = std::chrono::steady_clock::now();
        const auto r = f.s.record_sign_in(id, {u.value, false, kNow});
        u.end = std::chrono::steady_clock::now();
        u.acknowledged = r.has_value();
        if (!r && r.error() != errc::counter_regressed) {
          ++errors;
        }
        updates[static_cast<std::size_t>(t)].push_back(u);
      }
    });
  }
  for (auto& thread : pool) {
    thread.join();
  }
  CHECK(errors == 0);

  std::vector<counter_update> acked;
  std::uint32_t highest_tried = 0;
  for (const auto& per_thread : updates) {
    for (const auto& u : per_thread) {
      highest_tried = std::max(highest_tried, u.value);
      if (u.acknowledged) {
        acked.push_back(u);
      }
    }
  }
  REQUIRE_FALSE(acked.empty());
  // The stored value is the highest value anyone tried: a refused value
  // was refused only because a value at least as high was stored.
  CHECK(f.s.find_credential(id)->sign_count == highest_tried);
  // Each acknowledged update was above the value before it: acknowledged
  // values are distinct, and one that finished before another started is
  // lower than it.
  int duplicates = 0;
  int out_of_order = 0;
  for (std::size_t a = 0; a < acked.size(); ++a) {
    for (std::size_t b = 0; b < acked.size(); ++b) {
      if (a == b) {
        continue;
      }
      duplicates += acked[a].value == acked[b].value ? 1 : 0;
      const bool before = acked[a].end < acked[b].start;
      out_of_order += before && acked[a].value >= acked[b].value ? 1 : 0;
    }
  }
  CHECK(duplicates == 0);
  CHECK(out_of_order == 0);
  MESSAGE(acked.size() << " of " << kThreads * kPerThread
                       << " updates acknowledged");
}
