// A second opinion on Latchkey's verdicts: libfido2 judges the same
// generated registrations and assertions, valid and tampered, and both
// must agree. Only tamperings that libfido2 can see are used: it checks the
// rpIdHash, UP and the signature, never the contents of clientDataJSON.
// Where libfido2 cannot judge (ES512, Ed448, PS256), the case is skipped
// and counted.
#include "webauthn/authentication.hpp"
#include "webauthn/registration.hpp"

#include "tests/support/fido2_oracle.hpp"
#include "tests/support/soft_authenticator.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using test_support::assertion;
using test_support::attestation_format;
using test_support::fido2_verdict;
using test_support::key_type;
using test_support::registration;
using webauthn::errc;

namespace {

const webauthn::relying_party kRp{
    "localhost", {"http://localhost:8080"}, false, {}};

const std::vector<webauthn::cose_algorithm> kAllAlgorithms(
    std::begin(webauthn::kDefaultAlgorithms),
    std::end(webauthn::kDefaultAlgorithms));

// The key types libfido2 1.12 verifies, and the ones it cannot.
constexpr key_type kJudgedTypes[] = {key_type::es256, key_type::es384,
                                     key_type::ed25519, key_type::rs256};
constexpr key_type kUnjudgedTypes[] = {key_type::es512, key_type::ed448,
                                       key_type::ps256};

enum class outcome { accepted, refused };

// How a case expects Latchkey to refuse: at the signature step (so the
// tampering got past every other check), or at any step.
enum class refused_at { any_step, signature };

bool is_signature_error(errc e) {
  return e == errc::signature_invalid || e == errc::signature_malformed ||
         e == errc::attestation_signature_invalid;
}

std::string_view name_of(outcome o) {
  return o == outcome::accepted ? "accepted" : "refused";
}

std::string_view name_of(attestation_format f) {
  switch (f) {
    case attestation_format::none:
      return "none";
    case attestation_format::packed_self:
      return "packed-self";
    case attestation_format::packed_x5c:
      return "packed-x5c";
    case attestation_format::fido_u2f:
      return "fido-u2f";
  }
  return "unknown";
}

void flip_last_byte(common::bytes& b) {
  REQUIRE_FALSE(b.empty());
  b.back() ^= 0x01;
}

// A member clientDataJSON may carry that Latchkey ignores: the client data
// checks still pass, only the hash (and so the signature) changes.
void add_member(test_support::client_data& client) {
  client.extra["latchkeyCrossCheck"] = true;
}

// Whitespace is valid JSON between tokens and changes the hash as well.
void add_whitespace(std::string& client_data_json) {
  REQUIRE(client_data_json.front() == '{');
  std::string spaced = "{ ";
  spaced.append(client_data_json, 1, std::string::npos);
  client_data_json = std::move(spaced);
}

// Counts the cases libfido2 judged and the ones it could not.
struct tally {
  int judged = 0;
  int skipped = 0;

  // Records one case; true when libfido2 judged it.
  bool count(const std::string& name, fido2_verdict verdict) {
    if (verdict == fido2_verdict::unsupported) {
      ++skipped;
      MESSAGE("skipped, libfido2 cannot judge: " << name);
      return false;
    }
    ++judged;
    return true;
  }
};

// Compares both verdicts, and both with what the case expects.
template <class T>
void compare(const std::string& name, fido2_verdict fido2,
             const webauthn::result<T>& latchkey, outcome expected,
             refused_at where) {
  INFO("case: " << name);
  const outcome ours = latchkey ? outcome::accepted : outcome::refused;
  const outcome theirs =
      fido2 == fido2_verdict::accepted ? outcome::accepted : outcome::refused;
  const std::string reason =
      latchkey ? std::string("none") : latchkey.error().message();
  CHECK_MESSAGE(ours == theirs, "latchkey " << name_of(ours) << " (" << reason
                                            << "), libfido2 "
                                            << name_of(theirs));
  CHECK_MESSAGE(ours == expected, "latchkey " << name_of(ours) << " (" << reason
                                              << "), expected "
                                              << name_of(expected));
  if (!latchkey && where == refused_at::signature) {
    const auto e = static_cast<errc>(latchkey.error().value());
    CHECK_MESSAGE(is_signature_error(e),
                  "refused before the signature step: " << reason);
  }
}

// Registrations ----------------------------------------------------------

struct registration_tamper {
  std::string_view name;
  void (*apply)(registration&);
  outcome expected;
  refused_at where;
  // fido-u2f signs neither flags nor counter: changing them unsigned
  // leaves a registration both must accept.
  bool u2f_signs_it = true;
};

const registration_tamper kRegistrationTampers[] = {
    {"valid", [](registration&) {}, outcome::accepted, refused_at::any_step},
    {"signature byte flipped",
     [](registration& r) {
       flip_last_byte(*r.statement.sig);
       r.encode_attestation_object();
     },
     outcome::refused, refused_at::signature},
    {"counter changed, not re-signed",
     [](registration& r) {
       r.auth_data.sign_count += 7;
       r.rebuild_unsigned();
     },
     outcome::refused, refused_at::signature, false},
    {"UV flag cleared, not re-signed",
     [](registration& r) {
       r.auth_data.flags.uv = false;
       r.rebuild_unsigned();
     },
     outcome::refused, refused_at::signature, false},
    {"clientDataJSON gains a member, not re-signed",
     [](registration& r) {
       add_member(r.client);
       r.rebuild_unsigned();
     },
     outcome::refused, refused_at::signature},
    {"clientDataJSON gains whitespace, not re-signed",
     [](registration& r) { add_whitespace(r.client_data_json); },
     outcome::refused, refused_at::signature},
    {"rpIdHash of another RP, re-signed",
     [](registration& r) {
       r.auth_data.rp_id_hash =
           test_support::sha256(common::as_bytes("evil.example"));
       r.rebuild();
     },
     outcome::refused, refused_at::any_step},
    {"UP cleared, re-signed",
     [](registration& r) {
       r.auth_data.flags.up = false;
       r.rebuild();
     },
     outcome::refused, refused_at::any_step},
};

struct registration_kind {
  attestation_format format;
  key_type key;
};

std::vector<registration_kind> judged_registration_kinds() {
  std::vector<registration_kind> kinds;
  for (const auto key : kJudgedTypes) {
    kinds.push_back({attestation_format::packed_self, key});
    kinds.push_back({attestation_format::packed_x5c, key});
  }
  kinds.push_back({attestation_format::fido_u2f, key_type::es256});
  return kinds;
}

class registration_judge {
 public:
  registration_judge() {
    expect_.rp = &kRp;
    expect_.challenge = challenge_;
    expect_.algorithms = kAllAlgorithms;
    expect_.is_registered = [](common::byte_view) { return false; };
    expect_.now = std::chrono::system_clock::now();
  }

  registration make(const registration_kind& kind) const {
    test_support::registration_options options;
    options.rp_id = kRp.id;
    options.origin = kRp.origins.front();
    options.challenge = challenge_;
    options.format = kind.format;
    options.key = kind.key;
    return test_support::make_registration(options);
  }

  webauthn::result<webauthn::new_credential> latchkey(
      const registration& r) const {
    const auto response =
        webauthn::parse_registration_response(r.to_json_text());
    REQUIRE(response.has_value());
    return webauthn::verify_registration(*response, expect_);
  }

  static fido2_verdict fido2(const registration& r) {
    return test_support::fido2_judge_registration(kRp.id, r.client_data_json,
                                                  r.attestation_object);
  }

 private:
  common::bytes challenge_ = common::bytes(32, 0x5a);
  webauthn::registration_expectation expect_;
};

// Assertions -------------------------------------------------------------

// An assertion with the stored record it is checked against; a tampering
// may change either.
struct signed_assertion {
  assertion a;
  webauthn::stored_credential stored;
};

struct assertion_tamper {
  std::string_view name;
  void (*apply)(signed_assertion&);
  outcome expected;
  refused_at where;
};

const assertion_tamper kAssertionTampers[] = {
    {"valid", [](signed_assertion&) {}, outcome::accepted,
     refused_at::any_step},
    {"signature byte flipped",
     [](signed_assertion& s) { flip_last_byte(s.a.signature); },
     outcome::refused, refused_at::signature},
    {"counter changed, not re-signed",
     [](signed_assertion& s) {
       s.a.auth_data.sign_count += 100;
       s.a.rebuild_unsigned();
     },
     outcome::refused, refused_at::signature},
    {"UV flag cleared, not re-signed",
     [](signed_assertion& s) {
       s.a.auth_data.flags.uv = false;
       s.a.rebuild_unsigned();
     },
     outcome::refused, refused_at::signature},
    {"clientDataJSON gains a member, not re-signed",
     [](signed_assertion& s) {
       add_member(s.a.client);
       s.a.rebuild_unsigned();
     },
     outcome::refused, refused_at::signature},
    {"clientDataJSON gains whitespace, not re-signed",
     [](signed_assertion& s) { add_whitespace(s.a.client_data_json); },
     outcome::refused, refused_at::signature},
    {"rpIdHash of another RP, re-signed",
     [](signed_assertion& s) {
       s.a.auth_data.rp_id_hash =
           test_support::sha256(common::as_bytes("evil.example"));
       s.a.rebuild();
     },
     outcome::refused, refused_at::any_step},
    {"UP cleared, re-signed",
     [](signed_assertion& s) {
       s.a.auth_data.flags.up = false;
       s.a.rebuild();
     },
     outcome::refused, refused_at::any_step},
    {"stored key of another credential",
     [](signed_assertion& s) {
       s.stored.public_key = test_support::make_key(s.a.key.type).cose_bytes();
     },
     outcome::refused, refused_at::signature},
};

class assertion_judge {
 public:
  assertion_judge() {
    expect_.rp = &kRp;
    expect_.challenge = challenge_;
  }

  // A fresh credential of `type`, registered and then used once.
  signed_assertion make(key_type type) {
    test_support::registration_options options;
    options.rp_id = kRp.id;
    options.key = type;
    const auto reg = test_support::make_registration(options);
    auto cred = reg.to_credential();
    signed_assertion s;
    s.stored.id = cred.id;
    s.stored.public_key = reg.key.cose_bytes();
    s.stored.sign_count = cred.sign_count;
    s.stored.user_handle = cred.user_handle;
    test_support::assertion_options sign;
    sign.origin = kRp.origins.front();
    sign.challenge = challenge_;
    s.a = test_support::make_assertion(cred, sign);
    expect_.allowed_credentials = {cred.id};
    expect_.user_handle = cred.user_handle;
    return s;
  }

  webauthn::result<webauthn::authentication_result> latchkey(
      const signed_assertion& s) const {
    const auto response =
        webauthn::parse_authentication_response(s.a.to_json_text());
    REQUIRE(response.has_value());
    return webauthn::verify_authentication(*response, s.stored, expect_);
  }

  // Judged with the stored COSE key, as Latchkey is.
  static fido2_verdict fido2(const signed_assertion& s) {
    return test_support::fido2_judge_assertion(
        kRp.id, s.a.client_data_json, s.a.auth_data_bytes, s.a.signature,
        s.stored.public_key);
  }

 private:
  common::bytes challenge_ = common::bytes(32, 0xa5);
  webauthn::authentication_expectation expect_;
};

}  // namespace

TEST_CASE("libfido2 agrees on registrations, valid and tampered") {
  const registration_judge judge;
  tally counted;
  for (const auto& kind : judged_registration_kinds()) {
    for (const auto& tamper : kRegistrationTampers) {
      const std::string name = std::string(name_of(kind.format)) + " " +
                               std::string(test_support::name_of(kind.key)) +
                               ": " + std::string(tamper.name);
      auto reg = judge.make(kind);
      tamper.apply(reg);
      const auto theirs = registration_judge::fido2(reg);
      if (!counted.count(name, theirs)) {
        continue;
      }
      const bool unsigned_in_u2f =
          kind.format == attestation_format::fido_u2f && !tamper.u2f_signs_it;
      compare(name, theirs, judge.latchkey(reg),
              unsigned_in_u2f ? outcome::accepted : tamper.expected,
              tamper.where);
    }
  }
  MESSAGE("registrations judged by both: " << counted.judged
                                           << ", skipped: " << counted.skipped);
  CHECK(counted.judged >= 60);
}

TEST_CASE("libfido2 cannot judge ES512, Ed448 or PS256 registrations") {
  const registration_judge judge;
  tally counted;
  for (const auto key : kUnjudgedTypes) {
    for (const auto format :
         {attestation_format::packed_self, attestation_format::packed_x5c}) {
      const std::string name = std::string(name_of(format)) + " " +
                               std::string(test_support::name_of(key));
      const auto reg = judge.make({format, key});
      CHECK_FALSE(counted.count(name, registration_judge::fido2(reg)));
      CHECK(judge.latchkey(reg).has_value());
    }
  }
  CHECK(counted.skipped == 6);
}

TEST_CASE("libfido2 agrees on assertions, valid and tampered") {
  assertion_judge judge;
  tally counted;
  for (const auto type : kJudgedTypes) {
    for (const auto& tamper : kAssertionTampers) {
      const std::string name = std::string(test_support::name_of(type)) + ": " +
                               std::string(tamper.name);
      auto s = judge.make(type);
      tamper.apply(s);
      const auto theirs = assertion_judge::fido2(s);
      if (!counted.count(name, theirs)) {
        continue;
      }
      compare(name, theirs, judge.latchkey(s), tamper.expected, tamper.where);
    }
  }
  MESSAGE("assertions judged by both: " << counted.judged
                                        << ", skipped: " << counted.skipped);
  CHECK(counted.judged >= 30);
}

TEST_CASE("libfido2 cannot judge ES512, Ed448 or PS256 assertions") {
  assertion_judge judge;
  tally counted;
  for (const auto type : kUnjudgedTypes) {
    const auto s = judge.make(type);
    CHECK_FALSE(counted.count(std::string(test_support::name_of(type)),
                              assertion_judge::fido2(s)));
    CHECK(judge.latchkey(s).has_value());
  }
  CHECK(counted.skipped == 3);
}
