// How many guesses an attacker gets against one account's TOTP codes under
// the default limits, on a fixed clock over simulated days, and what that
// means for the odds of a right guess (docs/security.md states the same).
#include "server/guess_limits.hpp"
#include "server/keys.hpp"
#include "server/settings.hpp"
#include "storage/sealing.hpp"
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace {

struct simulation {
  simulation()
      : folder(std::filesystem::temp_directory_path() /
               ("latchkey-brute-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(folder);
    storage::sqlite_options options;
    options.path = (folder / "brute.db").string();
    auto opened = storage::open_sqlite_store(options);
    REQUIRE(opened.has_value());
    store = std::move(*opened);
  }
  ~simulation() { std::filesystem::remove_all(folder); }

  // Guesses as often as the limits allow, for `span` of simulated time in
  // one-second steps; counts the guesses made and stops at a lockout.
  std::uint64_t guess_for(std::chrono::seconds span, bool& locked) {
    server::services s{
        config, *store, keys, clock, log,
        {},     {},     {},   {},    server::session_manager(*store, config),
        {},     nullptr};
    const server::guess_limits limits(s);
    std::uint64_t made = 0;
    const auto end = clock.now() + span;
    while (clock.now() < end) {
      const auto allowed =
          limits.before(server::guessed_factor::totp, "victim", "192.0.2.1");
      if (allowed) {
        limits.failed(server::guessed_factor::totp, "victim", "192.0.2.1");
        ++made;
      } else if (allowed.error().code == server::api_error::factor_locked) {
        locked = true;
        return made;
      } else if (allowed.error().retry_after) {
        // Waiting out the delay in one step: the attacker loses nothing.
        clock.advance(*allowed.error().retry_after - std::chrono::seconds(1));
      }
      clock.advance(std::chrono::seconds(1));
    }
    return made;
  }

  std::filesystem::path folder;
  std::unique_ptr<storage::store> store;
  server::settings config;
  server::key_holder keys{*storage::key_ring::generate(), ""};
  common::fixed_clock clock{common::from_unix_seconds(1'800'000'000)};
  common::logger log{common::log_level::off};
};

}  // namespace

TEST_CASE("an attacker gets 17 TOTP guesses in the first hour, 100 in all") {
  simulation sim;
  // Every guess from a fresh address would defeat the address limit; the
  // account's own limit is what holds.
  sim.config.insecure_disable_address_limits = true;
  bool locked = false;
  const auto first_hour = sim.guess_for(std::chrono::hours(1), locked);
  const auto first_day =
      first_hour + sim.guess_for(std::chrono::hours(23), locked);
  const auto total =
      first_day + sim.guess_for(std::chrono::hours(24 * 14), locked);
  // A 6-digit code with one step either side accepted: 3 codes in 10^6
  // are right at any moment.
  const double per_guess = 3e-6;
  MESSAGE("guesses: " << first_hour << " in the first hour, " << first_day
                      << " in the first day, " << total
                      << " until locked; odds of a right guess: "
                      << static_cast<double>(first_hour) * per_guess
                      << " in the first hour, "
                      << static_cast<double>(total) * per_guess
                      << " before the lockout");
  CHECK(first_hour == 17);
  CHECK(first_day < 45);
  CHECK(locked);
  CHECK(total == sim.config.lockout_failures);
  CHECK(static_cast<double>(total) * per_guess < 3.1e-4);
}

TEST_CASE("an address is held to its hourly failures across accounts") {
  simulation sim;
  sim.config.address_failures_per_hour = 10;
  server::services s{
      sim.config, *sim.store,
      sim.keys,   sim.clock,
      sim.log,    {},
      {},         {},
      {},         server::session_manager(*sim.store, sim.config),
      {},         nullptr};
  const server::guess_limits limits(s);
  int made = 0;
  // A spray: one guess on each of many accounts, from one address.
  for (int account = 0; account < 50; ++account) {
    const auto name = "user" + std::to_string(account);
    if (limits.before(server::guessed_factor::password, name, "192.0.2.9")) {
      limits.failed(server::guessed_factor::password, name, "192.0.2.9");
      ++made;
    }
  }
  CHECK(made == 10);
  // Another address is counted apart, and the hour passes.
  CHECK(limits.before(server::guessed_factor::password, "user0", "192.0.2.10")
            .has_value());
  sim.clock.advance(std::chrono::minutes(61));
  CHECK(limits.before(server::guessed_factor::password, "user49", "192.0.2.9")
            .has_value());
}
