#include "common/crypto.hpp"
#include "common/clock.hpp"
#include "common/encoding.hpp"

#include <doctest/doctest.h>

#include <set>

TEST_CASE("constant_time_equal compares contents and lengths") {
  const common::bytes a = {1, 2, 3};
  const common::bytes b = {1, 2, 3};
  const common::bytes c = {1, 2, 4};
  const common::bytes d = {1, 2};
  CHECK(common::constant_time_equal(a, b));
  CHECK_FALSE(common::constant_time_equal(a, c));
  CHECK_FALSE(common::constant_time_equal(a, d));
  CHECK(common::constant_time_equal({}, {}));
}

TEST_CASE("random_bytes gives the length asked for, different each time") {
  std::set<common::bytes> seen;
  for (int i = 0; i < 64; ++i) {
    const auto r = common::random_bytes(32);
    REQUIRE(r.has_value());
    CHECK(r->size() == 32);
    seen.insert(*r);
  }
  CHECK(seen.size() == 64);
  CHECK(common::random_bytes(0)->empty());
}

TEST_CASE("random bytes are roughly balanced, not a constant pattern") {
  const auto r = common::random_bytes(4096);
  REQUIRE(r.has_value());
  std::size_t ones = 0;
  for (const auto byte : *r)
    ones += static_cast<std::size_t>(__builtin_popcount(byte));
  // 32768 fair bits: mean 16384, standard deviation about 90.
  CHECK(ones > 15800);
  CHECK(ones < 16900);
}

TEST_CASE("wipe zeroes memory") {
  common::bytes secret = {9, 9, 9, 9};
  common::wipe(secret);
  CHECK(secret == common::bytes{0, 0, 0, 0});
}

TEST_CASE("fixed_clock stays put until told to move") {
  common::fixed_clock clock(common::from_unix_seconds(1'700'000'000));
  CHECK(common::to_unix_seconds(clock.now()) == 1'700'000'000);
  clock.advance(std::chrono::seconds(30));
  CHECK(common::to_unix_seconds(clock.now()) == 1'700'000'030);
  clock.set(common::from_unix_seconds(5));
  CHECK(common::to_unix_seconds(clock.now()) == 5);
}

TEST_CASE("system_clock follows the real time") {
  const common::system_clock clock;
  const auto a = clock.now();
  CHECK(common::to_unix_seconds(a) > 1'700'000'000);
  CHECK(clock.now() >= a);
}

TEST_CASE("parse_time reads UTC timestamps and Unix seconds only") {
  using common::parse_time;
  using common::to_unix_seconds;
  CHECK(to_unix_seconds(*parse_time("2025-01-01T00:00:00Z")) == 1735689600);
  CHECK(to_unix_seconds(*parse_time("2021-06-15T12:30:45.250Z")) == 1623760245);
  CHECK(parse_time("2021-06-15T12:30:45.250Z")->time_since_epoch() %
            std::chrono::seconds(1) ==
        std::chrono::milliseconds(250));
  CHECK(to_unix_seconds(*parse_time("1700000000")) == 1700000000);
  CHECK(to_unix_seconds(*parse_time("2024-02-29T00:00:00Z")) == 1709164800);
  for (const char* bad :
       {"", "2025-01-01", "2025-01-01T00:00:00", "2025-01-01T00:00:00+01:00",
        "2025-13-01T00:00:00Z", "2025-01-01T24:00:00Z", "2025-1-01T00:00:00Z",
        "2025-01-01T00:00:00.Z", "17e8", "yesterday", "2025-02-29T00:00:00Z",
        "2025-04-31T00:00:00Z", "2025-02-31T12:00:00Z",
        // Outside what a time_point holds, found by fuzzing the MDS BLOB.
        "1010-01-01T00:00:00Z", "1677-01-01T00:00:00Z", "2263-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999Z", "-30265833600", "9223372036854775807",
        "-9223372036854775808"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_time(bad).has_value());
  }
  CHECK(parse_time("1700-01-01T00:00:00Z"));
  CHECK(parse_time("2261-12-31T23:59:59.999Z"));
  CHECK(to_unix_seconds(*parse_time("-1")) == -1);
}

TEST_CASE("hmac_sha256 matches RFC 4231 test cases 1 and 2") {
  const common::bytes key1(20, 0x0b);
  CHECK(common::hex_encode(common::hmac_sha256(
            key1, common::as_bytes(std::string_view("Hi There")))) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(common::hex_encode(common::hmac_sha256(
            common::as_bytes(std::string_view("Jefe")),
            common::as_bytes(
                std::string_view("what do ya want for nothing?")))) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("format_time writes UTC with milliseconds, as parse_time reads") {
  using common::format_time;
  CHECK(format_time(common::from_unix_seconds(1735689600)) ==
        "2025-01-01T00:00:00.000Z");
  const auto t = *common::parse_time("2021-06-15T12:30:45.250Z");
  CHECK(format_time(t) == "2021-06-15T12:30:45.250Z");
  CHECK(common::parse_time(format_time(t)) == t);
  CHECK(format_time(common::from_unix_seconds(0)) ==
        "1970-01-01T00:00:00.000Z");
}
