#include "webauthn/cose_key.hpp"

#include "webauthn/cbor.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <limits>

namespace webauthn {
namespace {

namespace ossl = common::ossl;

constexpr std::size_t kRsaMinBits = 2048;
constexpr std::size_t kRsaMaxBits = 8192;
constexpr std::size_t kRsaMaxExponentSize = 32;

// The parameters of a COSE_Key map by label (RFC 9052 section 7.1, RFC
// 9053 section 7, RFC 8230 section 4). Labels -1 to -3 mean different
// things per key type; anything from -4 down is private key material for
// every type we accept.
struct key_params {
  const cbor_item_t* kty = nullptr;
  const cbor_item_t* alg = nullptr;
  const cbor_item_t* minus1 = nullptr;
  const cbor_item_t* minus2 = nullptr;
  const cbor_item_t* minus3 = nullptr;
  bool has_private_label = false;
};

result<key_params> collect(const cbor_item_t* map) {
  if (!cbor_isa_map(map))
    return errc::cose_key_malformed;
  key_params out;
  const cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    const auto label = cbor_int(pairs[i].key);
    if (!label)
      return errc::cose_key_malformed;
    const cbor_item_t* value = pairs[i].value;
    switch (*label) {
      case 1:
        out.kty = value;
        break;
      case 3:
        out.alg = value;
        break;
      case -1:
        out.minus1 = value;
        break;
      case -2:
        out.minus2 = value;
        break;
      case -3:
        out.minus3 = value;
        break;
      case 2:  // kid
      case 4:  // key_ops
      case 5:  // Base IV
        break;
      default:
        if (*label > 0)
          return errc::cose_key_malformed;
        out.has_private_label = true;
    }
  }
  return out;
}

result<std::int64_t> required_int(const cbor_item_t* item) {
  const auto value = cbor_int(item);
  if (!value)
    return errc::cose_key_malformed;
  return *value;
}

result<common::byte_view> required_bytes(const cbor_item_t* item) {
  const auto value = cbor_bytes(item);
  if (!value)
    return errc::cose_key_malformed;
  return *value;
}

cose_key_type key_type_of(cose_algorithm alg) noexcept {
  switch (alg) {
    case cose_algorithm::es256:
    case cose_algorithm::es384:
    case cose_algorithm::es512:
      return cose_key_type::ec2;
    case cose_algorithm::ps256:
    case cose_algorithm::rs256:
      return cose_key_type::rsa;
    default:
      return cose_key_type::okp;
  }
}

// Whether `alg` may be used with a key on `curve`. EdDSA (-8) names no
// curve of its own; the fully specified identifiers do.
bool curve_fits(cose_algorithm alg, std::int64_t curve) noexcept {
  switch (alg) {
    case cose_algorithm::es256:
      return curve == 1;
    case cose_algorithm::es384:
      return curve == 2;
    case cose_algorithm::es512:
      return curve == 3;
    case cose_algorithm::eddsa:
      return curve == 6 || curve == 7;
    case cose_algorithm::ed25519:
      return curve == 6;
    case cose_algorithm::ed448:
      return curve == 7;
    default:
      return false;
  }
}

std::size_t field_size_of(cose_curve curve) noexcept {
  switch (curve) {
    case cose_curve::p384:
      return 48;
    case cose_curve::p521:
      return 66;
    default:
      return 32;
  }
}

// A parameter-only key for the curve, made once per process. Importing a
// key by group name rebuilds the whole group every time, which costs
// several times more than the signature check the key is for; copying
// this and setting the point does not.
EVP_PKEY* curve_template(const char* group) {
  EVP_PKEY* out = nullptr;
  const ossl::pkey_ctx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_paramgen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), group) != 1 ||
      EVP_PKEY_paramgen(ctx.get(), &out) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return out;
}

EVP_PKEY* template_for(cose_curve curve) {
  static const ossl::pkey p256(curve_template("prime256v1"));
  static const ossl::pkey p384(curve_template("secp384r1"));
  static const ossl::pkey p521(curve_template("secp521r1"));
  switch (curve) {
    case cose_curve::p384:
      return p384.get();
    case cose_curve::p521:
      return p521.get();
    default:
      return p256.get();
  }
}

result<ossl::pkey> ec_key_from_point(cose_curve curve, common::byte_view x,
                                     common::byte_view y) {
  // SEC 1 uncompressed form: 0x04 | x | y.
  std::array<unsigned char, 1 + 2 * 66> point{};
  point[0] = 0x04;
  std::ranges::copy(x, point.begin() + 1);
  std::ranges::copy(y, point.begin() + 1 + static_cast<long>(x.size()));
  EVP_PKEY* parameters = template_for(curve);
  ossl::pkey key(parameters ? EVP_PKEY_dup(parameters) : nullptr);
  if (!key) {
    ERR_clear_error();
    return errc::cose_key_malformed;
  }
  // OpenSSL refuses coordinates outside the field and points off the
  // curve here; the curves have cofactor 1, so no subgroup check is due.
  if (EVP_PKEY_set1_encoded_public_key(key.get(), point.data(),
                                       1 + x.size() + y.size()) != 1) {
    ERR_clear_error();
    return errc::cose_key_point_not_on_curve;
  }
  return key;
}

result<cose_key> parse_ec2(const key_params& p, cose_key out) {
  if (p.has_private_label)
    return errc::cose_key_private_part;
  const auto crv = required_int(p.minus1);
  if (!crv)
    return crv.error();
  if (!curve_fits(out.algorithm, *crv))
    return errc::cose_key_parameters_mismatch;
  out.curve = static_cast<cose_curve>(*crv);
  const auto x = required_bytes(p.minus2);
  if (!x)
    return x.error();
  const auto y = required_bytes(p.minus3);
  if (!y)
    return y.error();
  const std::size_t size = field_size_of(*out.curve);
  if (x->size() != size || y->size() != size)
    return errc::cose_key_bad_length;
  auto key = ec_key_from_point(*out.curve, *x, *y);
  if (!key)
    return key.error();
  out.key = std::move(*key);
  return out;
}

result<cose_key> parse_okp(const key_params& p, cose_key out) {
  if (p.has_private_label)
    return errc::cose_key_private_part;
  if (p.minus3 != nullptr)
    return errc::cose_key_malformed;
  const auto crv = required_int(p.minus1);
  if (!crv)
    return crv.error();
  if (!curve_fits(out.algorithm, *crv))
    return errc::cose_key_parameters_mismatch;
  out.curve = static_cast<cose_curve>(*crv);
  const auto x = required_bytes(p.minus2);
  if (!x)
    return x.error();
  const bool ed25519 = *out.curve == cose_curve::ed25519;
  if (x->size() != (ed25519 ? 32u : 57u))
    return errc::cose_key_bad_length;
  out.key.reset(EVP_PKEY_new_raw_public_key_ex(
      nullptr, ed25519 ? "ED25519" : "ED448", nullptr, x->data(), x->size()));
  if (!out.key) {
    ERR_clear_error();
    return errc::cose_key_malformed;
  }
  return out;
}

// Whether `n` is odd and has no prime factor below 1000; no RSA modulus
// has one. OpenSSL's own SP 800-56B public check also runs a
// probable-prime test on the modulus, which costs a hundred times the
// signature check; a bad key can only hurt the authenticator that chose
// it, so these cheap checks are the ones kept. The primes are taken in
// groups whose product fits a word, one division of `n` per group.
bool plausible_modulus(const BIGNUM* n) {
  if (!BN_is_odd(n))
    return false;
  std::array<BN_ULONG, 16> group{};
  std::size_t count = 0;
  BN_ULONG product = 1;
  const auto divides = [&]() {
    const BN_ULONG rest = BN_mod_word(n, product);
    if (rest == static_cast<BN_ULONG>(-1))
      return true;  // an error: treat the modulus as refused
    for (std::size_t i = 0; i < count; ++i) {
      if (rest % group[i] == 0)
        return true;
    }
    return false;
  };
  for (BN_ULONG p = 3; p < 1000; p += 2) {
    bool prime = true;
    for (BN_ULONG d = 3; d * d <= p && prime; d += 2)
      prime = p % d != 0;
    if (!prime)
      continue;
    if (product > std::numeric_limits<BN_ULONG>::max() / p) {
      if (divides())
        return false;
      product = 1;
      count = 0;
    }
    product *= p;
    group[count++] = p;
  }
  return !divides();
}

result<ossl::pkey> rsa_key_from(common::byte_view n, common::byte_view e) {
  const ossl::bignum bn_n(
      BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  const ossl::bignum bn_e(
      BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  const ossl::param_bld build(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !build ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) !=
          1)
    return errc::cose_key_malformed;
  const ossl::params params(OSSL_PARAM_BLD_to_param(build.get()));
  const ossl::pkey_ctx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) !=
          1) {
    ERR_clear_error();
    return errc::cose_key_malformed;
  }
  ossl::pkey key(raw);
  if (!plausible_modulus(bn_n.get())) {
    ERR_clear_error();
    return errc::cose_key_malformed;
  }
  return key;
}

result<cose_key> parse_rsa(const key_params& p, cose_key out) {
  if (p.has_private_label || p.minus3 != nullptr)
    return errc::cose_key_private_part;
  const auto n = required_bytes(p.minus1);
  if (!n)
    return n.error();
  const auto e = required_bytes(p.minus2);
  if (!e)
    return e.error();
  // Big-endian unsigned numbers in their shortest form.
  if (n->empty() || e->empty() || (*n)[0] == 0 || (*e)[0] == 0 ||
      e->size() > kRsaMaxExponentSize || n->size() * 8 > kRsaMaxBits)
    return errc::cose_key_bad_length;
  if (n->size() * 8 < kRsaMinBits)
    return errc::cose_key_rsa_too_small;
  const bool odd = (e->back() & 1) != 0;
  if (!odd || (e->size() == 1 && (*e)[0] == 1))
    return errc::cose_key_rsa_bad_exponent;
  auto key = rsa_key_from(*n, *e);
  if (!key)
    return key.error();
  out.key = std::move(*key);
  return out;
}

}  // namespace

std::string_view to_string(cose_algorithm alg) noexcept {
  switch (alg) {
    case cose_algorithm::es256:
      return "ES256";
    case cose_algorithm::eddsa:
      return "EdDSA";
    case cose_algorithm::ed25519:
      return "Ed25519";
    case cose_algorithm::es384:
      return "ES384";
    case cose_algorithm::es512:
      return "ES512";
    case cose_algorithm::ps256:
      return "PS256";
    case cose_algorithm::ed448:
      return "Ed448";
    case cose_algorithm::rs256:
      return "RS256";
  }
  return "unknown";
}

result<cose_algorithm> to_cose_algorithm(std::int64_t id) {
  switch (id) {
    case -7:
      return cose_algorithm::es256;
    case -8:
      return cose_algorithm::eddsa;
    case -19:
      return cose_algorithm::ed25519;
    case -35:
      return cose_algorithm::es384;
    case -36:
      return cose_algorithm::es512;
    case -37:
      return cose_algorithm::ps256;
    case -53:
      return cose_algorithm::ed448;
    case -257:
      return cose_algorithm::rs256;
    default:
      return errc::cose_key_algorithm_unsupported;
  }
}

result<cose_key> parse_cose_key(common::byte_view data) {
  const auto decoded = cbor_decode(data);
  if (!decoded)
    return decoded.error();
  const auto params = collect(decoded->get());
  if (!params)
    return params.error();
  const auto kty = required_int(params->kty);
  if (!kty)
    return kty.error();
  const auto alg_id = required_int(params->alg);
  if (!alg_id)
    return alg_id.error();
  const auto alg = to_cose_algorithm(*alg_id);
  if (!alg)
    return alg.error();

  cose_key out;
  out.algorithm = *alg;
  out.type = key_type_of(*alg);
  if (*kty != static_cast<int>(out.type))
    return errc::cose_key_parameters_mismatch;
  switch (out.type) {
    case cose_key_type::ec2:
      return parse_ec2(*params, std::move(out));
    case cose_key_type::okp:
      return parse_okp(*params, std::move(out));
    case cose_key_type::rsa:
      return parse_rsa(*params, std::move(out));
  }
  return errc::cose_key_malformed;
}

}  // namespace webauthn
