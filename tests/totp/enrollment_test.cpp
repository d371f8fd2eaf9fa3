#include "totp/enrollment.hpp"

#include <doctest/doctest.h>

using common::from_unix_seconds;
using std::chrono::seconds;
using totp::errc;

namespace {

const common::time_point kStart = from_unix_seconds(1'700'000'000);

totp::secret make_key(std::uint8_t fill) {
  return totp::secret(common::bytes(20, fill));
}

std::string code_for(const totp::secret& key, common::time_point t) {
  return totp::totp_code(key, t, {}).value();
}

totp::session_facts fresh_session(common::time_point now) {
  return {now, now - seconds(10), false};
}

totp::session_facts stale_session(common::time_point now) {
  return {now, now - seconds(301), false};
}

// An account whose app was confirmed at kStart with make_key(1).
totp::factor_state enrolled() {
  const auto pending = totp::begin_totp_enrollment(
      {}, make_key(1), {}, {kStart, std::nullopt, false});
  REQUIRE(pending.has_value());
  const auto active = totp::confirm_totp_enrollment(
      *pending, code_for(make_key(1), kStart), kStart);
  REQUIRE(active.has_value());
  return *active;
}

}  // namespace

TEST_CASE("a first secret is pending until a code confirms it") {
  const auto pending = totp::begin_totp_enrollment(
      {}, make_key(1), {}, {kStart, std::nullopt, false});
  REQUIRE(pending.has_value());
  CHECK_FALSE(pending->totp);
  REQUIRE(pending->pending);
  CHECK(pending->pending->started_at == kStart);
  // A pending secret does not sign in.
  CHECK(totp::sign_in_with_totp(*pending, code_for(make_key(1), kStart), kStart)
            .error() == errc::totp_not_enabled);
  const auto t = kStart + seconds(40);
  const auto active =
      totp::confirm_totp_enrollment(*pending, code_for(make_key(1), t), t);
  REQUIRE(active.has_value());
  REQUIRE(active->totp);
  CHECK_FALSE(active->pending);
  CHECK(active->totp->key == make_key(1));
  CHECK(active->totp->confirmed_at == t);
  CHECK(active->totp->last_accepted_step == totp::time_step(t, 30).value());
}

TEST_CASE("the confirming code cannot then sign in") {
  const auto state = enrolled();
  CHECK(totp::sign_in_with_totp(state, code_for(make_key(1), kStart), kStart)
            .error() == errc::code_already_used);
  const auto later = kStart + seconds(30);
  const auto signed_in =
      totp::sign_in_with_totp(state, code_for(make_key(1), later), later);
  REQUIRE(signed_in.has_value());
  CHECK(signed_in->totp->last_accepted_step ==
        state.totp->last_accepted_step + 1);
  // ... and that code works once.
  CHECK(totp::sign_in_with_totp(*signed_in, code_for(make_key(1), later), later)
            .error() == errc::code_already_used);
}

TEST_CASE("confirmation refuses wrong, missing and expired enrollments") {
  CHECK(totp::confirm_totp_enrollment({}, "123456", kStart).error() ==
        errc::enrollment_not_pending);
  const auto pending = totp::begin_totp_enrollment(
      {}, make_key(1), {}, {kStart, std::nullopt, false});
  REQUIRE(pending.has_value());
  CHECK(totp::confirm_totp_enrollment(*pending, code_for(make_key(2), kStart),
                                      kStart)
            .error() == errc::code_mismatch);
  CHECK(totp::confirm_totp_enrollment(*pending, "12345", kStart).error() ==
        errc::code_wrong_length);
  const auto late = kStart + seconds(601);
  CHECK(
      totp::confirm_totp_enrollment(*pending, code_for(make_key(1), late), late)
          .error() == errc::enrollment_expired);
  const auto early = kStart - seconds(1);
  CHECK(totp::confirm_totp_enrollment(*pending, code_for(make_key(1), early),
                                      early)
            .error() == errc::enrollment_expired);
  const auto edge = kStart + seconds(600);
  CHECK(
      totp::confirm_totp_enrollment(*pending, code_for(make_key(1), edge), edge)
          .has_value());
}

TEST_CASE("begin refuses bad parameters and secrets") {
  const totp::session_facts session{kStart, std::nullopt, false};
  CHECK(totp::begin_totp_enrollment({}, make_key(1),
                                    {totp::algorithm::sha1, 5, 30, 1}, session)
            .error() == errc::digits_out_of_range);
  CHECK(totp::begin_totp_enrollment({}, totp::secret(common::bytes(15, 1)), {},
                                    session)
            .error() == errc::secret_too_short);
  CHECK(totp::begin_totp_enrollment({}, totp::secret(common::bytes(129, 1)), {},
                                    session)
            .error() == errc::secret_too_long);
}

TEST_CASE("replacing the app keeps the old secret until the new one works") {
  const auto state = enrolled();
  const auto now = kStart + seconds(120);
  CHECK(totp::begin_totp_enrollment(state, make_key(2), {}, stale_session(now))
            .error() == errc::second_factor_required);
  CHECK(totp::begin_totp_enrollment(state, make_key(2), {},
                                    {now, std::nullopt, false})
            .error() == errc::second_factor_required);
  const auto replacing =
      totp::begin_totp_enrollment(state, make_key(2), {}, fresh_session(now));
  REQUIRE(replacing.has_value());
  CHECK(replacing->totp->key == make_key(1));
  // The old app still signs in; the new one does not yet.
  CHECK(totp::sign_in_with_totp(*replacing, code_for(make_key(1), now), now)
            .has_value());
  CHECK(totp::sign_in_with_totp(*replacing, code_for(make_key(2), now), now)
            .error() == errc::code_mismatch);
  const auto replaced = totp::confirm_totp_enrollment(
      *replacing, code_for(make_key(2), now), now);
  REQUIRE(replaced.has_value());
  CHECK(replaced->totp->key == make_key(2));
  CHECK_FALSE(replaced->pending);
  const auto next = now + seconds(30);
  CHECK(totp::sign_in_with_totp(*replaced, code_for(make_key(1), next), next)
            .error() == errc::code_mismatch);
  CHECK(totp::sign_in_with_totp(*replaced, code_for(make_key(2), next), next)
            .has_value());
}

TEST_CASE("a security key on the account makes adding TOTP need a step-up") {
  CHECK(totp::begin_totp_enrollment({}, make_key(1), {},
                                    {kStart, std::nullopt, true})
            .error() == errc::second_factor_required);
  CHECK(totp::begin_totp_enrollment({}, make_key(1), {},
                                    {kStart, kStart - seconds(300), true})
            .has_value());
  // A step-up time in the future is not trusted.
  CHECK(totp::begin_totp_enrollment({}, make_key(1), {},
                                    {kStart, kStart + seconds(1), true})
            .error() == errc::second_factor_required);
}

TEST_CASE("a new pending secret replaces an earlier pending one") {
  const auto first = totp::begin_totp_enrollment({}, make_key(1), {},
                                                 {kStart, std::nullopt, false});
  const auto second = totp::begin_totp_enrollment(
      *first, make_key(2), {}, {kStart, std::nullopt, false});
  REQUIRE(second.has_value());
  CHECK(second->pending->key == make_key(2));
  CHECK(totp::confirm_totp_enrollment(*second, code_for(make_key(1), kStart),
                                      kStart)
            .error() == errc::code_mismatch);
}

TEST_CASE("cancelling drops only the pending secret") {
  const auto state = enrolled();
  const auto now = kStart + seconds(60);
  const auto replacing =
      totp::begin_totp_enrollment(state, make_key(2), {}, fresh_session(now));
  const auto cancelled = totp::cancel_totp_enrollment(*replacing);
  CHECK_FALSE(cancelled.pending);
  CHECK(cancelled.totp->key == make_key(1));
  CHECK(
      totp::confirm_totp_enrollment(cancelled, code_for(make_key(2), now), now)
          .error() == errc::enrollment_not_pending);
}

TEST_CASE("disabling TOTP needs a recent second factor") {
  const auto state = enrolled();
  const auto now = kStart + seconds(600);
  CHECK(totp::disable_totp({}, fresh_session(now)).error() ==
        errc::totp_not_enabled);
  CHECK(totp::disable_totp(state, stale_session(now)).error() ==
        errc::second_factor_required);
  CHECK(totp::disable_totp(state, {now, std::nullopt, false}).error() ==
        errc::second_factor_required);
  const auto disabled = totp::disable_totp(state, fresh_session(now));
  REQUIRE(disabled.has_value());
  CHECK_FALSE(disabled->totp);
  CHECK_FALSE(disabled->pending);
  CHECK(totp::sign_in_with_totp(*disabled, code_for(make_key(1), now), now)
            .error() == errc::totp_not_enabled);
  // The policy's step-up age is configurable.
  CHECK(totp::disable_totp(state, stale_session(now), {seconds(600)})
            .has_value());
}

TEST_CASE("recovery codes: replaced with a step-up, used once, old set void") {
  const auto hasher = totp::argon2id_hasher::make({256, 1, 1}).value();
  const auto now = kStart + seconds(60);
  auto first = totp::generate_recovery_codes(hasher).value();
  CHECK(totp::replace_recovery_codes(enrolled(), first.records,
                                     stale_session(now))
            .error() == errc::second_factor_required);
  const auto with_codes = totp::replace_recovery_codes(
      enrolled(), first.records, fresh_session(now));
  REQUIRE(with_codes.has_value());

  const auto used =
      totp::sign_in_with_recovery_code(*with_codes, first.codes[4], hasher);
  REQUIRE(used.has_value());
  CHECK(used->recovery[4].used);
  CHECK(totp::status_of(used->recovery).remaining == 9);
  CHECK(
      totp::sign_in_with_recovery_code(*used, first.codes[4], hasher).error() ==
      errc::recovery_code_already_used);
  CHECK(totp::sign_in_with_recovery_code(*used, "2345-6789-ABCD-EFGH", hasher)
            .error() == errc::recovery_code_invalid);

  auto second = totp::generate_recovery_codes(hasher).value();
  const auto renewed =
      totp::replace_recovery_codes(*used, second.records, fresh_session(now));
  REQUIRE(renewed.has_value());
  CHECK(totp::status_of(renewed->recovery).remaining == 10);
  for (const auto& old : first.codes) {
    // Unless a new code happens to share the old lookup id and secret.
    CHECK(totp::sign_in_with_recovery_code(*renewed, old, hasher).error() ==
          errc::recovery_code_invalid);
  }
  CHECK(totp::sign_in_with_recovery_code(*renewed, second.codes[0], hasher)
            .has_value());
  // The TOTP state is untouched by recovery-code changes.
  CHECK(renewed->totp->key == make_key(1));
}
