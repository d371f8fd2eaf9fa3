#include "totp/otp.hpp"

#include "common/encoding.hpp"
#include "test_data.hpp"

#include <openssl/hmac.h>

#include <doctest/doctest.h>

using common::from_unix_seconds;
using totp::algorithm;
using totp::errc;

namespace {

totp::secret ascii_secret(std::string_view text) {
  return totp::secret(common::to_bytes(text));
}

// RFC 6238's seeds: the digits 1234567890 repeated to the HMAC's size.
totp::secret rfc6238_seed(algorithm a) {
  std::string seed;
  while (seed.size() < totp::secret_size(a))
    seed += "1234567890";
  return ascii_secret(seed.substr(0, totp::secret_size(a)));
}

algorithm parse_algorithm(const std::string& name) {
  if (name == "SHA256")
    return algorithm::sha256;
  if (name == "SHA512")
    return algorithm::sha512;
  REQUIRE(name == "SHA1");
  return algorithm::sha1;
}

const totp::secret kKey = ascii_secret("12345678901234567890");

std::string code_at(std::int64_t unix_seconds, const totp::params& p = {}) {
  const auto code = totp::totp_code(kKey, from_unix_seconds(unix_seconds), p);
  REQUIRE(code.has_value());
  return *code;
}

}  // namespace

TEST_CASE("HOTP matches every value of RFC 4226 appendix D") {
  const auto rows = totp_test::read_vectors("rfc4226_hotp.txt");
  REQUIRE(rows.size() == 10);
  for (const auto& row : rows) {
    CAPTURE(row[0]);
    const auto counter = std::stoull(row[0]);
    // The HMAC column checks the data file against OpenSSL's HMAC().
    unsigned char mac[20];
    unsigned int size = 0;
    std::uint8_t message[8] = {0, 0, 0, 0,
                               0, 0, 0, static_cast<std::uint8_t>(counter)};
    HMAC(EVP_sha1(), kKey.view().data(), 20, message, 8, mac, &size);
    CHECK(common::hex_encode({mac, size}) == row[1]);
    const auto value = totp::hotp_value(algorithm::sha1, kKey.view(), counter);
    REQUIRE(value.has_value());
    CHECK(*value == std::stoul(row[2]));
    const auto code = totp::hotp_code(algorithm::sha1, kKey.view(), counter, 6);
    REQUIRE(code.has_value());
    CHECK(*code == row[3]);
  }
}

TEST_CASE("TOTP matches every value of RFC 6238 appendix B") {
  const auto rows = totp_test::read_vectors("rfc6238_totp.txt");
  REQUIRE(rows.size() == 18);
  for (const auto& row : rows) {
    CAPTURE(row[0]);
    CAPTURE(row[2]);
    const std::int64_t seconds = std::stoll(row[0]);
    const auto step = totp::time_step_at(seconds, 30);
    REQUIRE(step.has_value());
    CHECK(*step == std::stoll(row[1], nullptr, 16));
    const algorithm a = parse_algorithm(row[2]);
    const totp::params p{a, 8, 30, 1};
    const auto code = totp::totp_code_at(rfc6238_seed(a), seconds, p);
    REQUIRE(code.has_value());
    CHECK(*code == row[3]);
    // 20000000000 (year 2603) is past what a time_point holds.
    if (seconds > 10'000'000'000)
      continue;
    const auto t = from_unix_seconds(seconds);
    CHECK(totp::totp_code(rfc6238_seed(a), t, p).value() == row[3]);
    const auto verified = totp::verify_code(row[3], rfc6238_seed(a), t, p);
    REQUIRE(verified.has_value());
    CHECK(*verified == *step);
  }
}

TEST_CASE("the defaults are SHA-1, 6 digits, 30 seconds and one step") {
  const totp::params p;
  CHECK(p.hash == algorithm::sha1);
  CHECK(p.digits == 6);
  CHECK(p.period == 30);
  CHECK(p.window == 1);
  CHECK(totp::check_params(p).has_value());
}

TEST_CASE("parameters outside the supported ranges are refused") {
  CHECK(totp::check_params({algorithm::sha1, 5, 30, 1}).error() ==
        errc::digits_out_of_range);
  CHECK(totp::check_params({algorithm::sha1, 9, 30, 1}).error() ==
        errc::digits_out_of_range);
  CHECK(totp::check_params({algorithm::sha1, 6, 14, 1}).error() ==
        errc::period_out_of_range);
  CHECK(totp::check_params({algorithm::sha1, 6, 301, 1}).error() ==
        errc::period_out_of_range);
  CHECK(totp::check_params({algorithm::sha1, 6, 30, -1}).error() ==
        errc::window_out_of_range);
  CHECK(totp::check_params({algorithm::sha1, 6, 30, 11}).error() ==
        errc::window_out_of_range);
  CHECK(totp::check_params({algorithm::sha512, 8, 300, 10}).has_value());
  CHECK(totp::hotp_code(algorithm::sha1, kKey.view(), 0, 9).error() ==
        errc::digits_out_of_range);
  CHECK(totp::time_step(from_unix_seconds(0), 0).error() ==
        errc::period_out_of_range);
}

TEST_CASE("times before the epoch are refused") {
  CHECK(totp::time_step(from_unix_seconds(-1), 30).error() ==
        errc::time_before_epoch);
  CHECK(totp::totp_code(kKey, from_unix_seconds(-30), {}).error() ==
        errc::time_before_epoch);
  CHECK(totp::time_step(from_unix_seconds(0), 30).value() == 0);
}

TEST_CASE("secrets are generated at the HMAC's size and differ") {
  for (const auto a : {algorithm::sha1, algorithm::sha256, algorithm::sha512}) {
    const auto first = totp::generate_secret(a);
    const auto second = totp::generate_secret(a);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(first->size() == totp::secret_size(a));
    CHECK_FALSE(*first == *second);
  }
  CHECK(totp::secret_size(algorithm::sha1) == 20);
  CHECK(totp::secret_size(algorithm::sha256) == 32);
  CHECK(totp::secret_size(algorithm::sha512) == 64);
}

TEST_CASE("secrets round-trip through base32 and refuse bad sizes") {
  CHECK(totp::secret_to_base32(kKey) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  const auto back =
      totp::secret_from_base32("gezdgnbvgy3tqojqgezdgnbvgy3tqojq");
  REQUIRE(back.has_value());
  CHECK(*back == kKey);
  // 15 bytes, then 129 bytes.
  CHECK(totp::secret_from_base32("GEZDGNBVGY3TQOJQGEZDGNBV").error() ==
        errc::secret_too_short);
  const std::string long_text(208, 'A');  // 130 bytes
  CHECK(totp::secret_from_base32(long_text).error() == errc::secret_too_long);
  CHECK(totp::secret_from_base32("GEZDGNBVGY3TQOJQ GEZDGNBVGY3TQOJQ").error() ==
        common::errc::base32_bad_character);
  CHECK(totp::hotp_value(algorithm::sha1, {}, 0).error() ==
        errc::secret_too_short);
}

TEST_CASE("malformed codes get named errors before any HMAC") {
  using totp::check_code_format;
  CHECK(check_code_format("", 6).error() == errc::code_wrong_length);
  CHECK(check_code_format("12345", 6).error() == errc::code_wrong_length);
  CHECK(check_code_format("1234567", 6).error() == errc::code_wrong_length);
  CHECK(check_code_format(std::string(1000, '1'), 6).error() ==
        errc::code_wrong_length);
  CHECK(check_code_format("12345a", 6).error() == errc::code_not_digits);
  CHECK(check_code_format("-12345", 6).error() == errc::code_not_digits);
  CHECK(check_code_format("+12345", 6).error() == errc::code_not_digits);
  CHECK(check_code_format("١٢٣٤٥٦", 6).error() == errc::code_not_digits);
  CHECK(check_code_format("123\xc2\xa0"
                          "456",
                          6)
            .error() == errc::code_not_digits);
  CHECK(check_code_format(std::string_view("123\0"
                                           "56",
                                           6),
                          6)
            .error() == errc::code_not_digits);
  for (const char* spaced :
       {"123 456", " 123456", "123456 ", "123456\n", "\t123456", "123\r\n456",
        "123\v456", "12\f3456"}) {
    CAPTURE(spaced);
    CHECK(check_code_format(spaced, 6).error() ==
          errc::code_contains_whitespace);
  }
  CHECK(check_code_format("012345", 6).has_value());
  CHECK(check_code_format("01234567", 8).has_value());
  const auto t = from_unix_seconds(1'000'000'000);
  CHECK(totp::verify_code("12 345", kKey, t, {}).error() ==
        errc::code_contains_whitespace);
}

TEST_CASE("the window accepts one step either side and no more") {
  const std::int64_t now = 1'700'000'010;  // 10 s into its step
  const std::int64_t step = now / 30;
  const auto t = from_unix_seconds(now);
  for (int d = -1; d <= 1; ++d) {
    CAPTURE(d);
    const auto r = totp::verify_code(code_at(now + 30 * d), kKey, t, {});
    REQUIRE(r.has_value());
    CHECK(*r == step + d);
  }
  CHECK(totp::verify_code(code_at(now - 60), kKey, t, {}).error() ==
        errc::code_mismatch);
  CHECK(totp::verify_code(code_at(now + 60), kKey, t, {}).error() ==
        errc::code_mismatch);
}

TEST_CASE("window edges: the last and first second of each accepted step") {
  const std::int64_t start = 1'700'000'010 / 30 * 30;  // a step boundary
  const std::string code = code_at(start);             // step s
  const auto at = [&](std::int64_t t) {
    return totp::verify_code(code, kKey, from_unix_seconds(t), {});
  };
  // The code of step s is accepted while the server is in steps s-1 .. s+1.
  CHECK(at(start - 30).has_value());                     // first second of s-1
  CHECK(at(start - 31).error() == errc::code_mismatch);  // last of s-2
  CHECK(at(start + 59).has_value());                     // last second of s+1
  CHECK(at(start + 60).error() == errc::code_mismatch);  // first of s+2
}

TEST_CASE("clock skew both ways, with a wider window") {
  const std::int64_t server = 1'700'000'000;
  const totp::params wide{algorithm::sha256, 8, 30, 3};
  const auto key = rfc6238_seed(algorithm::sha256);
  const auto t = from_unix_seconds(server);
  for (const std::int64_t skew : {-90, -61, -30, 0, 29, 60, 90}) {
    CAPTURE(skew);
    const auto code =
        totp::totp_code(key, from_unix_seconds(server + skew), wide);
    REQUIRE(code.has_value());
    CHECK(totp::verify_code(*code, key, t, wide).has_value());
  }
  for (const std::int64_t skew : {-121, 120}) {
    CAPTURE(skew);
    const auto code =
        totp::totp_code(key, from_unix_seconds(server + skew), wide);
    CHECK(totp::verify_code(*code, key, t, wide).error() ==
          errc::code_mismatch);
  }
  // Window 0: only the current step.
  const totp::params exact{algorithm::sha1, 6, 30, 0};
  CHECK(totp::verify_code(code_at(server), kKey, t, exact).has_value());
  CHECK(totp::verify_code(code_at(server + 30), kKey, t, exact).error() ==
        errc::code_mismatch);
}

TEST_CASE("a code works once: replays and older steps are refused") {
  const std::int64_t now = 1'700'000'000;
  const auto t = from_unix_seconds(now);
  const std::string current = code_at(now);
  const auto first = totp::accept_code(current, kKey, t, {}, std::nullopt);
  REQUIRE(first.has_value());
  CHECK(totp::accept_code(current, kKey, t, {}, *first).error() ==
        errc::code_already_used);
  // Later, but still in the window: the same code is still a replay.
  CHECK(
      totp::accept_code(current, kKey, from_unix_seconds(now + 30), {}, *first)
          .error() == errc::code_already_used);
  // An older step inside the window is refused once a newer one was used.
  CHECK(totp::accept_code(code_at(now - 30), kKey, t, {}, *first).error() ==
        errc::code_already_used);
  // The next step's code is accepted.
  const auto next = totp::accept_code(code_at(now + 30), kKey, t, {}, *first);
  REQUIRE(next.has_value());
  CHECK(*next == *first + 1);
  CHECK(totp::refuse_replay(*first, *first).error() == errc::code_already_used);
  CHECK(totp::refuse_replay(*first, *first - 1).has_value());
  CHECK(totp::refuse_replay(0, std::nullopt).has_value());
  // A wrong code stays a mismatch whatever the last step.
  const std::string wrong = current == "000000" ? "000001" : "000000";
  CHECK(totp::accept_code(wrong, kKey, t, {}, *first).error() ==
        errc::code_mismatch);
}

TEST_CASE("steps before the epoch are skipped, not wrapped") {
  const auto t = from_unix_seconds(5);
  CHECK(totp::verify_code(code_at(5), kKey, t, {}).value() == 0);
  CHECK(totp::verify_code(code_at(35), kKey, t, {}).value() == 1);
}
