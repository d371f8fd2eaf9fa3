#include "tests/support/keys.hpp"

#include <doctest/doctest.h>

#include "tests/support/cbor.hpp"

using namespace test_support;

namespace {

struct expected_cose {
  key_type type;
  std::int64_t kty;
  std::int64_t alg;
  std::int64_t crv;        // 0 for RSA
  std::size_t coordinate;  // x (and y) length, or n length for RSA
};

constexpr expected_cose cose_table[] = {
    {key_type::es256, 2, -7, 1, 32},   {key_type::es384, 2, -35, 2, 48},
    {key_type::es512, 2, -36, 3, 66},  {key_type::ed25519, 1, -8, 6, 32},
    {key_type::ed448, 1, -8, 7, 57},   {key_type::rs256, 3, -257, 0, 256},
    {key_type::ps256, 3, -37, 0, 256},
};

std::size_t map_size(const cbor::item& m) {
  return cbor_map_size(m.get());
}

}  // namespace

TEST_CASE("COSE keys decode to the labels of RFC 9053 and RFC 8230") {
  for (const auto& want : cose_table) {
    CAPTURE(name_of(want.type));
    const key_pair key = make_key(want.type);
    const auto decoded = cbor::decode(key.cose_bytes());
    REQUIRE(decoded.has_value());
    const cbor_item_t* m = decoded->get();
    CHECK(cbor::int_of(cbor::find(m, 1)) == want.kty);
    CHECK(cbor::int_of(cbor::find(m, 3)) == want.alg);
    if (want.kty == 3) {
      CHECK(map_size(*decoded) == 4);
      CHECK(cbor::bytes_of(cbor::find(m, -1))->size() == want.coordinate);
      CHECK(cbor::bytes_of(cbor::find(m, -2)) ==
            common::bytes{0x01, 0x00, 0x01});
      continue;
    }
    CHECK(cbor::int_of(cbor::find(m, -1)) == want.crv);
    CHECK(cbor::bytes_of(cbor::find(m, -2))->size() == want.coordinate);
    if (want.kty == 2) {
      CHECK(map_size(*decoded) == 5);
      CHECK(cbor::bytes_of(cbor::find(m, -3))->size() == want.coordinate);
    } else {
      CHECK(map_size(*decoded) == 4);
      CHECK(cbor::find(m, -3) == nullptr);
    }
  }
}

TEST_CASE("COSE keys are written in CTAP2 canonical order") {
  const common::bytes bytes = make_key(key_type::es256).cose_bytes();
  // a5 01 02 03 26 20 01 21 58 20 ...: keys 1, 3, -1, -2, -3.
  REQUIRE(bytes.size() == 77);
  CHECK(bytes[0] == 0xa5);
  CHECK(common::bytes(bytes.begin() + 1, bytes.begin() + 10) ==
        common::bytes{0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20});
  CHECK(bytes[42] == 0x22);
}

TEST_CASE("a COSE key field can be changed and re-encoded") {
  cose_key k = make_key(key_type::es256).cose();
  k.alg.reset();
  k.crv = 2;
  const auto decoded = cbor::decode(k.encode());
  REQUIRE(decoded.has_value());
  CHECK(cbor::find(decoded->get(), 3) == nullptr);
  CHECK(cbor::int_of(cbor::find(decoded->get(), -1)) == 2);
}

TEST_CASE("RSA keys come from a per-process pool") {
  const key_pair a = make_key(key_type::rs256);
  const key_pair b = make_key(key_type::rs256);
  CHECK(a.pkey != b.pkey);
  CHECK(make_rsa_key(key_type::rs256, 1024).cose().n.size() == 128);
}

TEST_CASE("cbor integers round-trip at every width") {
  for (const std::int64_t v :
       {0LL, 23LL, 24LL, 255LL, 256LL, 65536LL, 4294967296LL, -1LL, -24LL,
        -25LL, -257LL, -65537LL, -4294967297LL}) {
    CAPTURE(v);
    const auto back = cbor::decode(cbor::encode(cbor::integer(v)));
    REQUIRE(back.has_value());
    CHECK(cbor::int_of(back->get()) == v);
  }
  CHECK_FALSE(cbor::decode(common::bytes{0x01, 0x02}).has_value());
}

TEST_CASE("cbor::decode refuses what would make libcbor allocate blindly") {
  // An array header that declares 2^32 - 1 items in five bytes.
  CHECK_FALSE(cbor::decode(common::bytes{0x9a, 0xff, 0xff, 0xff, 0xff}));
  CHECK_FALSE(cbor::decode(common::bytes{0x5a, 0x00, 0x01, 0x00, 0x00}));
  CHECK_FALSE(cbor::decode(common::bytes{0x9f, 0x01, 0xff}));  // indefinite
  common::bytes deep(17, 0x81);
  deep.push_back(0x01);
  CHECK_FALSE(cbor::decode(deep));
  deep.erase(deep.begin());
  CHECK(cbor::decode(deep).has_value());
}
