#include "tests/support/keys.hpp"

#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/openssl.hpp"
#include "tests/support/cbor.hpp"

namespace test_support {
namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("OpenSSL failed: ") + what);
  }
}

common::ossl::pkey generate(const char* algorithm, const char* group,
                            int rsa_bits) {
  const common::ossl::pkey_ctx ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  require(ctx != nullptr, "EVP_PKEY_CTX_new_from_name");
  require(EVP_PKEY_keygen_init(ctx.get()) == 1, "EVP_PKEY_keygen_init");
  if (group != nullptr) {
    require(EVP_PKEY_CTX_set_group_name(ctx.get(), group) == 1, "group");
  }
  if (rsa_bits != 0) {
    require(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), rsa_bits) == 1,
            "rsa bits");
  }
  EVP_PKEY* raw = nullptr;
  require(EVP_PKEY_generate(ctx.get(), &raw) == 1, "EVP_PKEY_generate");
  return common::ossl::pkey(raw);
}

// Generating a 2048-bit RSA key takes a good fraction of a second; tests
// that make hundreds of credentials share a few keys instead.
shared_pkey cached_rsa(int bits) {
  constexpr std::size_t pool_size = 3;
  static std::mutex mutex;
  static std::map<int, std::vector<shared_pkey>> pool;
  static std::map<int, std::size_t> next;
  const std::lock_guard lock(mutex);
  auto& keys = pool[bits];
  const std::size_t index = next[bits]++ % pool_size;
  if (index >= keys.size()) {
    keys.push_back(share(generate("RSA", nullptr, bits).release()));
  }
  return keys[index];
}

const EVP_MD* digest_for(key_type type) {
  switch (type) {
    case key_type::es384:
      return EVP_sha384();
    case key_type::es512:
      return EVP_sha512();
    case key_type::ed25519:
    case key_type::ed448:
      return nullptr;
    default:
      return EVP_sha256();
  }
}

common::bytes bignum_param(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  require(EVP_PKEY_get_bn_param(pkey, name, &raw) == 1, name);
  const common::ossl::bignum bn(raw);
  common::bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

int ec_curve(key_type type) {
  switch (type) {
    case key_type::es384:
      return 2;
    case key_type::es512:
      return 3;
    default:
      return 1;
  }
}

}  // namespace

int default_alg(key_type type) noexcept {
  switch (type) {
    case key_type::es256:
      return cose_alg::es256;
    case key_type::es384:
      return cose_alg::es384;
    case key_type::es512:
      return cose_alg::es512;
    case key_type::ed25519:
    case key_type::ed448:
      return cose_alg::eddsa;
    case key_type::rs256:
      return cose_alg::rs256;
    case key_type::ps256:
      return cose_alg::ps256;
  }
  return 0;
}

std::string_view name_of(key_type type) noexcept {
  switch (type) {
    case key_type::es256:
      return "ES256";
    case key_type::es384:
      return "ES384";
    case key_type::es512:
      return "ES512";
    case key_type::ed25519:
      return "Ed25519";
    case key_type::ed448:
      return "Ed448";
    case key_type::rs256:
      return "RS256";
    case key_type::ps256:
      return "PS256";
  }
  return "unknown";
}

shared_pkey share(EVP_PKEY* owned) {
  return shared_pkey(owned, common::ossl::deleter<EVP_PKEY_free>());
}

// RSA keys put n and e under -1 and -2; other key types use crv, x, y.
common::bytes cose_key::encode() const {
  const bool rsa = kty == 3;
  const std::size_t entries =
      1 + (alg ? 1 : 0) +
      (rsa ? 2 : (crv ? 1 : 0) + (x.empty() ? 0 : 1) + (y.empty() ? 0 : 1));
  const auto m = cbor::map(entries);
  cbor::put(m, cbor::integer(1), cbor::integer(kty));
  if (alg) {
    cbor::put(m, cbor::integer(3), cbor::integer(*alg));
  }
  if (rsa) {
    cbor::put(m, cbor::integer(-1), cbor::byte_string(n));
    cbor::put(m, cbor::integer(-2), cbor::byte_string(e));
    return cbor::encode(m);
  }
  if (crv) {
    cbor::put(m, cbor::integer(-1), cbor::integer(*crv));
  }
  if (!x.empty()) {
    cbor::put(m, cbor::integer(-2), cbor::byte_string(x));
  }
  if (!y.empty()) {
    cbor::put(m, cbor::integer(-3), cbor::byte_string(y));
  }
  return cbor::encode(m);
}

common::bytes key_pair::public_point() const {
  if (type == key_type::rs256 || type == key_type::ps256) {
    return {};
  }
  std::size_t length = 0;
  if (type == key_type::ed25519 || type == key_type::ed448) {
    require(EVP_PKEY_get_raw_public_key(pkey.get(), nullptr, &length) == 1,
            "raw public key length");
    common::bytes out(length);
    require(EVP_PKEY_get_raw_public_key(pkey.get(), out.data(), &length) == 1,
            "raw public key");
    return out;
  }
  require(EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                          nullptr, 0, &length) == 1,
          "EC point length");
  common::bytes out(length);
  require(EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                          out.data(), out.size(), &length) == 1,
          "EC point");
  return out;
}

cose_key key_pair::cose() const {
  cose_key k;
  k.alg = alg;
  if (type == key_type::rs256 || type == key_type::ps256) {
    k.kty = 3;
    k.n = bignum_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N);
    k.e = bignum_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E);
    return k;
  }
  const common::bytes point = public_point();
  if (type == key_type::ed25519 || type == key_type::ed448) {
    k.kty = 1;
    k.crv = type == key_type::ed25519 ? 6 : 7;
    k.x = point;
    return k;
  }
  // An uncompressed point has fixed-length coordinates, as COSE requires.
  const std::size_t half = (point.size() - 1) / 2;
  k.kty = 2;
  k.crv = ec_curve(type);
  k.x.assign(point.begin() + 1, point.begin() + 1 + static_cast<long>(half));
  k.y.assign(point.begin() + 1 + static_cast<long>(half), point.end());
  return k;
}

common::bytes key_pair::spki_der() const {
  const int length = i2d_PUBKEY(pkey.get(), nullptr);
  require(length > 0, "i2d_PUBKEY");
  common::bytes out(static_cast<std::size_t>(length));
  unsigned char* p = out.data();
  require(i2d_PUBKEY(pkey.get(), &p) == length, "i2d_PUBKEY");
  return out;
}

common::bytes key_pair::sign(common::byte_view message) const {
  const common::ossl::md_ctx ctx(EVP_MD_CTX_new());
  require(ctx != nullptr, "EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;
  require(EVP_DigestSignInit(ctx.get(), &pctx, digest_for(type), nullptr,
                             pkey.get()) == 1,
          "EVP_DigestSignInit");
  if (type == key_type::ps256) {
    require(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
                                                 RSA_PSS_SALTLEN_DIGEST) == 1 &&
                EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1,
            "PSS parameters");
  }
  std::size_t length = 0;
  require(EVP_DigestSign(ctx.get(), nullptr, &length, message.data(),
                         message.size()) == 1,
          "EVP_DigestSign length");
  common::bytes out(length);
  require(EVP_DigestSign(ctx.get(), out.data(), &length, message.data(),
                         message.size()) == 1,
          "EVP_DigestSign");
  out.resize(length);
  return out;
}

key_pair make_key(key_type type) {
  switch (type) {
    case key_type::rs256:
    case key_type::ps256:
      return make_rsa_key(type, 2048);
    case key_type::ed25519:
      return {type, default_alg(type),
              share(generate("ED25519", nullptr, 0).release())};
    case key_type::ed448:
      return {type, default_alg(type),
              share(generate("ED448", nullptr, 0).release())};
    case key_type::es384:
      return {type, default_alg(type),
              share(generate("EC", "P-384", 0).release())};
    case key_type::es512:
      return {type, default_alg(type),
              share(generate("EC", "P-521", 0).release())};
    case key_type::es256:
      break;
  }
  return {type, default_alg(type), share(generate("EC", "P-256", 0).release())};
}

key_pair make_rsa_key(key_type type, int bits) {
  return {type, default_alg(type), cached_rsa(bits)};
}

common::bytes sha256(common::byte_view data) {
  common::bytes out(32);
  unsigned int length = 0;
  require(EVP_Digest(data.data(), data.size(), out.data(), &length,
                     EVP_sha256(), nullptr) == 1,
          "EVP_Digest");
  return out;
}

}  // namespace test_support
