// Shows that the soft authenticator's output is right without Latchkey's
// verifier: libfido2 accepts what it makes and refuses what tests break.
#include "tests/support/fido2_oracle.hpp"

#include <doctest/doctest.h>

#include "tests/support/soft_authenticator.hpp"

using namespace test_support;

namespace {

constexpr key_type libfido2_types[] = {key_type::es256, key_type::es384,
                                       key_type::ed25519, key_type::rs256};

registration made(attestation_format format, key_type type) {
  registration_options options;
  options.format = format;
  options.key = type;
  return make_registration(options);
}

fido2_verdict judge_cose(const assertion& a, const common::bytes& cose) {
  return fido2_judge_assertion(a.rp_id, a.client_data_json, a.auth_data_bytes,
                               a.signature, cose);
}

}  // namespace

TEST_CASE("libfido2 accepts packed x5c and self attestation") {
  for (const key_type type : libfido2_types) {
    CAPTURE(name_of(type));
    CHECK(fido2_judge_registration(made(attestation_format::packed_x5c,
                                        type)) == fido2_verdict::accepted);
    CHECK(fido2_judge_registration(made(attestation_format::packed_self,
                                        type)) == fido2_verdict::accepted);
  }
}

TEST_CASE("libfido2 accepts fido-u2f with a P-256 credential") {
  const registration reg = make_registration(
      {.format = attestation_format::fido_u2f, .flags = {.uv = false}});
  CHECK(fido2_judge_registration(reg) == fido2_verdict::accepted);
}

TEST_CASE("libfido2 refuses fido-u2f with a P-384 credential") {
  const registration reg = made(attestation_format::fido_u2f, key_type::es384);
  CHECK(fido2_judge_registration(reg) == fido2_verdict::refused);
}

TEST_CASE("libfido2 cannot judge none, ES512, PS256 or Ed448") {
  CHECK(fido2_judge_registration(
            made(attestation_format::none, key_type::es256)) ==
        fido2_verdict::unsupported);
  for (const key_type type :
       {key_type::es512, key_type::ps256, key_type::ed448}) {
    CAPTURE(name_of(type));
    CHECK(fido2_judge_registration(made(attestation_format::packed_self,
                                        type)) == fido2_verdict::unsupported);
    credential cred = made(attestation_format::none, type).to_credential();
    CHECK(fido2_judge_assertion(make_assertion(cred)) ==
          fido2_verdict::unsupported);
  }
}

TEST_CASE("libfido2 refuses tampered registrations") {
  for (const auto format :
       {attestation_format::packed_x5c, attestation_format::packed_self,
        attestation_format::fido_u2f}) {
    CAPTURE(static_cast<int>(format));
    const registration good = made(format, key_type::es256);
    REQUIRE(fido2_accepts_registration(good));

    registration bad_sig = good;
    bad_sig.statement.sig->back() ^= 0x01;
    bad_sig.encode_attestation_object();
    CHECK(fido2_judge_registration(bad_sig) == fido2_verdict::refused);

    registration zero_sig = good;
    std::fill(zero_sig.statement.sig->begin(), zero_sig.statement.sig->end(),
              0);
    zero_sig.encode_attestation_object();
    CHECK(fido2_judge_registration(zero_sig) == fido2_verdict::refused);

    // U2F signs no counter or flags, so change a byte that every format
    // signs: one of the credential id.
    registration data = good;
    data.auth_data.attested->credential_id[0] ^= 0x01;
    data.rebuild_unsigned();
    CHECK(fido2_judge_registration(data) == fido2_verdict::refused);

    registration client = good;
    client.client.challenge += "A";
    client.rebuild_unsigned();
    CHECK(fido2_judge_registration(client) == fido2_verdict::refused);

    registration rp = good;
    rp.auth_data.rp_id_hash = sha256(common::as_bytes("evil.example"));
    rp.rebuild();
    CHECK(fido2_judge_registration(rp) == fido2_verdict::refused);
  }
}

TEST_CASE("packed signs the whole authenticator data, U2F does not") {
  for (const auto format :
       {attestation_format::packed_x5c, attestation_format::fido_u2f}) {
    registration reg = made(format, key_type::es256);
    reg.auth_data.sign_count += 1;
    reg.rebuild_unsigned();
    CHECK(fido2_judge_registration(reg) ==
          (format == attestation_format::fido_u2f ? fido2_verdict::accepted
                                                  : fido2_verdict::refused));
  }
}

TEST_CASE("libfido2 refuses a registration without UP, or UV when needed") {
  registration_options options;
  options.format = attestation_format::packed_x5c;
  options.flags.up = false;
  CHECK(fido2_judge_registration(make_registration(options)) ==
        fido2_verdict::refused);
  options.flags.up = true;
  options.flags.uv = false;
  const registration no_uv = make_registration(options);
  CHECK(fido2_judge_registration(no_uv) == fido2_verdict::accepted);
  CHECK(fido2_judge_registration(no_uv, true) == fido2_verdict::refused);
}

TEST_CASE("libfido2 accepts assertions for every algorithm it knows") {
  for (const key_type type : libfido2_types) {
    CAPTURE(name_of(type));
    credential cred = made(attestation_format::none, type).to_credential();
    const assertion a = make_assertion(cred);
    CHECK(fido2_judge_assertion(a) == fido2_verdict::accepted);
    CHECK(judge_cose(a, cred.key.cose_bytes()) == fido2_verdict::accepted);
  }
}

TEST_CASE("libfido2 refuses tampered assertions") {
  for (const key_type type : libfido2_types) {
    CAPTURE(name_of(type));
    credential cred = made(attestation_format::none, type).to_credential();
    const assertion good = make_assertion(cred);

    assertion sig = good;
    sig.signature[sig.signature.size() / 2] ^= 0x01;
    CHECK(fido2_judge_assertion(sig) == fido2_verdict::refused);

    assertion zero = good;
    std::fill(zero.signature.begin(), zero.signature.end(), 0);
    CHECK(fido2_judge_assertion(zero) == fido2_verdict::refused);

    assertion data = good;
    data.auth_data.sign_count += 1;
    data.rebuild_unsigned();
    CHECK(fido2_judge_assertion(data) == fido2_verdict::refused);

    assertion client = good;
    client.client.origin = "https://evil.example";
    client.rebuild_unsigned();
    CHECK(fido2_judge_assertion(client) == fido2_verdict::refused);

    credential other = made(attestation_format::none, type).to_credential();
    CHECK(judge_cose(good, other.key.cose_bytes()) == fido2_verdict::refused);
  }
}

TEST_CASE("libfido2 refuses an assertion for another rpId or without UP") {
  credential cred = make_registration().to_credential();
  assertion_options options;
  options.rp_id = "evil.example";
  CHECK(fido2_judge_assertion(make_assertion(cred, options)) ==
        fido2_verdict::refused);
  options.rp_id.reset();
  options.flags = auth_flags{.up = false};
  CHECK(fido2_judge_assertion(make_assertion(cred, options)) ==
        fido2_verdict::refused);
  options.flags = auth_flags{.uv = false};
  const assertion no_uv = make_assertion(cred, options);
  CHECK(fido2_judge_assertion(no_uv) == fido2_verdict::accepted);
  CHECK(fido2_judge_assertion(no_uv, true) == fido2_verdict::refused);
}

TEST_CASE("the oracle refuses malformed input without crashing") {
  const common::bytes junk = {0x9a, 0xff, 0xff, 0xff, 0xff};
  CHECK(fido2_judge_registration("localhost", "{}", junk) ==
        fido2_verdict::refused);
  CHECK(fido2_judge_registration("localhost", "{}", {}) ==
        fido2_verdict::refused);
  credential cred = make_registration().to_credential();
  const assertion a = make_assertion(cred);
  CHECK(judge_cose(a, junk) == fido2_verdict::refused);
  CHECK(fido2_judge_assertion(a.rp_id, a.client_data_json, {}, a.signature,
                              cred.key.cose_bytes()) == fido2_verdict::refused);
}

TEST_CASE("libfido2 leaves some knobs to Latchkey alone") {
  // Self attestation is checked with the credential's own algorithm, so a
  // wrong attStmt alg passes libfido2; Latchkey must refuse it.
  registration alg = made(attestation_format::packed_self, key_type::es256);
  alg.statement.alg = cose_alg::rs256;
  alg.encode_attestation_object();
  CHECK(fido2_judge_registration(alg) == fido2_verdict::accepted);

  // Extensions need the request that asked for them; not judged.
  registration_options options;
  options.format = attestation_format::packed_x5c;
  options.extensions = common::bytes{0xa1, 0x6b, 'c', 'r', 'e', 'd', 'P',
                                     'r',  'o',  't', 'e', 'c', 't', 0x02};
  const registration ext = make_registration(options);
  CHECK((ext.auth_data_bytes[32] & 0x80) != 0);
  CHECK(fido2_judge_registration(ext) == fido2_verdict::unsupported);
}
