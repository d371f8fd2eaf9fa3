#include "totp/enrollment.hpp"

namespace totp {

bool recently_verified(const session_facts& session,
                       const enrollment_policy& policy) noexcept {
  if (!session.second_factor_at)
    return false;
  const common::time_point at = *session.second_factor_at;
  return at <= session.now && session.now - at <= policy.step_up_max_age;
}

result<factor_state> begin_totp_enrollment(const factor_state& state,
                                           secret key, const params& p,
                                           const session_facts& session,
                                           const enrollment_policy& policy) {
  if (auto checked = check_params(p); !checked)
    return checked.error();
  if (key.size() < kMinSecretSize)
    return errc::secret_too_short;
  if (key.size() > kMaxSecretSize)
    return errc::secret_too_long;
  // A first factor may be added by an enrollment session; anything more
  // needs proof that the person holds the factor already there.
  const bool has_factor = state.totp || session.has_other_second_factor;
  if (has_factor && !recently_verified(session, policy))
    return errc::second_factor_required;
  factor_state next = state;
  next.pending = pending_totp{std::move(key), p, session.now};
  return next;
}

result<factor_state> confirm_totp_enrollment(const factor_state& state,
                                             std::string_view code,
                                             common::time_point now,
                                             const enrollment_policy& policy) {
  if (!state.pending)
    return errc::enrollment_not_pending;
  const pending_totp& pending = *state.pending;
  if (now < pending.started_at ||
      now - pending.started_at > policy.pending_lifetime) {
    return errc::enrollment_expired;
  }
  const auto step =
      accept_code(code, pending.key, now, pending.otp, std::nullopt);
  if (!step)
    return step.error();
  factor_state next = state;
  next.totp = active_totp{pending.key, pending.otp, *step, now};
  next.pending.reset();
  return next;
}

factor_state cancel_totp_enrollment(const factor_state& state) {
  factor_state next = state;
  next.pending.reset();
  return next;
}

result<factor_state> sign_in_with_totp(const factor_state& state,
                                       std::string_view code,
                                       common::time_point now) {
  if (!state.totp)
    return errc::totp_not_enabled;
  const active_totp& active = *state.totp;
  const auto step =
      accept_code(code, active.key, now, active.otp, active.last_accepted_step);
  if (!step)
    return step.error();
  factor_state next = state;
  next.totp->last_accepted_step = *step;
  return next;
}

result<factor_state> disable_totp(const factor_state& state,
                                  const session_facts& session,
                                  const enrollment_policy& policy) {
  if (!state.totp)
    return errc::totp_not_enabled;
  if (!recently_verified(session, policy))
    return errc::second_factor_required;
  factor_state next = state;
  next.totp.reset();
  next.pending.reset();
  return next;
}

result<factor_state> replace_recovery_codes(const factor_state& state,
                                            recovery_set records,
                                            const session_facts& session,
                                            const enrollment_policy& policy) {
  if (!recently_verified(session, policy))
    return errc::second_factor_required;
  factor_state next = state;
  next.recovery = std::move(records);
  return next;
}

result<factor_state> sign_in_with_recovery_code(const factor_state& state,
                                                std::string_view code,
                                                const recovery_hasher& hasher) {
  const auto index = verify_recovery_code(state.recovery, code, hasher);
  if (!index)
    return index.error();
  factor_state next = state;
  next.recovery[*index].used = true;
  return next;
}

}  // namespace totp
