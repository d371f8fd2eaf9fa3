#include "webauthn/authenticator_data.hpp"

#include "builders.hpp"

#include <doctest/doctest.h>

using test::bytes;
using test::cat;
using test::filled;
using test::hex;
using webauthn::errc;

namespace {

constexpr std::uint8_t kUp = 0x01;
constexpr std::uint8_t kUv = 0x04;
constexpr std::uint8_t kBe = 0x08;
constexpr std::uint8_t kBs = 0x10;
constexpr std::uint8_t kAt = 0x40;
constexpr std::uint8_t kEd = 0x80;

bytes fixed_part(std::uint8_t flags, std::uint32_t counter = 0x01020304) {
  return cat({filled(32, 0xAA), bytes{flags},
              bytes{static_cast<std::uint8_t>(counter >> 24),
                    static_cast<std::uint8_t>(counter >> 16),
                    static_cast<std::uint8_t>(counter >> 8),
                    static_cast<std::uint8_t>(counter)}});
}

bytes small_key() {
  return test::map({{test::integer(1), test::integer(2)},
                    {test::integer(3), test::integer(-7)}});
}

bytes attested(std::size_t id_size, const bytes& key = small_key()) {
  return cat({filled(16, 0x11),
              bytes{static_cast<std::uint8_t>(id_size >> 8),
                    static_cast<std::uint8_t>(id_size)},
              filled(id_size, 0x22), key});
}

errc parse_error(const bytes& data) {
  const auto r = webauthn::parse_authenticator_data(data);
  REQUIRE(r.has_error());
  return static_cast<errc>(r.error().value());
}

}  // namespace

TEST_CASE("valid_assertion_data_has_named_flags_and_counter") {
  const bytes data = fixed_part(kUp | kUv | kBe | kBs);
  const auto parsed = webauthn::parse_authenticator_data(data);
  REQUIRE(parsed);
  CHECK(parsed->raw == data);
  CHECK(parsed->rp_id_hash[0] == 0xAA);
  CHECK(parsed->flags.user_present);
  CHECK(parsed->flags.user_verified);
  CHECK(parsed->flags.backup_eligible);
  CHECK(parsed->flags.backup_state);
  CHECK_FALSE(parsed->flags.attested_data);
  CHECK_FALSE(parsed->flags.extension_data);
  CHECK(parsed->sign_count == 0x01020304);
  CHECK_FALSE(parsed->attested);
  CHECK_FALSE(parsed->extensions);
}

TEST_CASE("reserved_flag_bits_are_ignored") {
  const auto parsed = webauthn::parse_authenticator_data(fixed_part(0x22));
  REQUIRE(parsed);
  CHECK_FALSE(parsed->flags.user_present);
  CHECK_FALSE(parsed->flags.user_verified);
  CHECK_FALSE(parsed->flags.backup_eligible);
  CHECK_FALSE(parsed->flags.backup_state);
}

TEST_CASE("valid_registration_data_carries_the_attested_credential") {
  const bytes data = cat({fixed_part(kUp | kAt, 0), attested(16)});
  const auto parsed = webauthn::parse_authenticator_data(data);
  REQUIRE(parsed);
  REQUIRE(parsed->attested);
  CHECK(parsed->attested->aaguid[15] == 0x11);
  CHECK(parsed->attested->credential_id == filled(16, 0x22));
  CHECK(parsed->attested->public_key == small_key());
  CHECK(parsed->sign_count == 0);
}

TEST_CASE("valid_data_with_attested_credential_and_extensions") {
  const bytes extensions =
      test::map({{test::tstr("credProtect"), test::integer(2)}});
  const bytes data =
      cat({fixed_part(kUp | kAt | kEd), attested(1023), extensions});
  const auto parsed = webauthn::parse_authenticator_data(data);
  REQUIRE(parsed);
  CHECK(parsed->attested->credential_id.size() == 1023);
  REQUIRE(parsed->extensions);
  CHECK(*parsed->extensions == extensions);
}

TEST_CASE("junk_short_data_is_truncated") {
  CHECK(parse_error({}) == errc::authenticator_data_truncated);
  CHECK(parse_error(filled(36, 0)) == errc::authenticator_data_truncated);
  CHECK(parse_error(fixed_part(kAt)) == errc::authenticator_data_truncated);
  CHECK(parse_error(cat({fixed_part(kAt), filled(17, 0)})) ==
        errc::authenticator_data_truncated);
  // The id length says 16 but only 15 bytes follow.
  bytes cut = cat({fixed_part(kAt), attested(16)});
  cut.resize(37 + 18 + 15);
  CHECK(parse_error(cut) == errc::authenticator_data_truncated);
  // AT set, id present, no key at all.
  bytes no_key = cat({fixed_part(kAt), attested(16, {})});
  CHECK(parse_error(no_key) == errc::authenticator_data_truncated);
  CHECK(parse_error(fixed_part(kEd)) == errc::authenticator_data_truncated);
}

TEST_CASE("junk_credential_id_over_1023_bytes") {
  CHECK(parse_error(cat({fixed_part(kAt), attested(1024)})) ==
        errc::credential_id_too_long);
}

TEST_CASE("junk_cose_key_cbor_is_refused_by_the_prescan") {
  CHECK(parse_error(cat({fixed_part(kAt), attested(4, hex("a2"))})) ==
        errc::cbor_truncated);
  CHECK(parse_error(cat({fixed_part(kAt), attested(4, hex("bf01"))})) ==
        errc::cbor_indefinite_length);
  CHECK(parse_error(cat({fixed_part(kAt), attested(4, hex("a201000100"))})) ==
        errc::cbor_duplicate_key);
}

TEST_CASE("no_trailing_bytes_after_any_part") {
  CHECK(parse_error(cat({fixed_part(kUp), bytes{0}})) ==
        errc::authenticator_data_trailing_bytes);
  CHECK(parse_error(cat({fixed_part(kAt), attested(16), bytes{0xa0}})) ==
        errc::authenticator_data_trailing_bytes);
  CHECK(parse_error(cat({fixed_part(kEd), hex("a0"), hex("00")})) ==
        errc::authenticator_data_trailing_bytes);
}

TEST_CASE("junk_extensions_that_are_not_a_map") {
  CHECK(parse_error(cat({fixed_part(kEd), hex("80")})) ==
        errc::extensions_malformed);
  CHECK(parse_error(cat({fixed_part(kEd), hex("9f")})) ==
        errc::cbor_indefinite_length);
}
