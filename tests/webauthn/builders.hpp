// Small builders for webauthn tests: CBOR items encoded by hand, and
// OpenSSL keys with their COSE forms. Test code only.
#pragma once

#include "common/bytes.hpp"
#include "common/encoding.hpp"
#include "common/error.hpp"
#include "common/openssl.hpp"

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace test {

using common::byte_view;
using common::bytes;

inline bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const bytes& part : parts)
    out.insert(out.end(), part.begin(), part.end());
  return out;
}

// A CBOR head in its shortest form.
inline bytes head(unsigned major, std::uint64_t value) {
  const auto initial = [major](unsigned info) {
    return static_cast<std::uint8_t>((major << 5) | info);
  };
  if (value < 24)
    return {initial(static_cast<unsigned>(value))};
  int size = 8;
  unsigned info = 27;
  if (value <= 0xFF) {
    size = 1;
    info = 24;
  } else if (value <= 0xFFFF) {
    size = 2;
    info = 25;
  } else if (value <= 0xFFFFFFFF) {
    size = 4;
    info = 26;
  }
  bytes out{initial(info)};
  for (int i = size - 1; i >= 0; --i)
    out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  return out;
}

inline bytes integer(std::int64_t v) {
  if (v >= 0)
    return head(0, static_cast<std::uint64_t>(v));
  return head(1, static_cast<std::uint64_t>(-1 - v));
}

inline bytes bstr(byte_view data) {
  return cat({head(2, data.size()), bytes(data.begin(), data.end())});
}

inline bytes tstr(std::string_view text) {
  return cat({head(3, text.size()), common::to_bytes(text)});
}

inline bytes array(std::initializer_list<bytes> items) {
  bytes out = head(4, items.size());
  for (const bytes& item : items)
    out.insert(out.end(), item.begin(), item.end());
  return out;
}

inline bytes map(std::initializer_list<std::pair<bytes, bytes>> pairs) {
  bytes out = head(5, pairs.size());
  for (const auto& [key, value] : pairs) {
    out.insert(out.end(), key.begin(), key.end());
    out.insert(out.end(), value.begin(), value.end());
  }
  return out;
}

inline bytes hex(std::string_view text) {
  auto decoded = common::hex_decode(text);
  if (!decoded)
    throw std::invalid_argument("bad hex in a test");
  return *decoded;
}

inline bytes filled(std::size_t size, std::uint8_t value) {
  return bytes(size, value);
}

inline std::string read_data(std::string_view name) {
  const std::string path = std::string(LATCHKEY_SOURCE_DIR) +
                           "/tests/webauthn/data/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("missing test data " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Keys -------------------------------------------------------------------

inline common::ossl::pkey ec_key(const char* curve) {
  return common::ossl::pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

inline common::ossl::pkey raw_key(const char* type) {
  return common::ossl::pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
}

inline common::ossl::pkey rsa_key(std::size_t bits) {
  return common::ossl::pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
}

// The uncompressed point 04 | x | y of an EC key.
inline bytes ec_point(EVP_PKEY* key) {
  bytes out(1 + 2 * 66);
  std::size_t size = 0;
  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(),
                                  out.size(), &size);
  out.resize(size);
  return out;
}

inline bytes ec_cose(EVP_PKEY* key, std::int64_t alg, std::int64_t crv) {
  const bytes point = ec_point(key);
  const std::size_t n = (point.size() - 1) / 2;
  const byte_view all(point);
  return map({{integer(1), integer(2)},
              {integer(3), integer(alg)},
              {integer(-1), integer(crv)},
              {integer(-2), bstr(all.subspan(1, n))},
              {integer(-3), bstr(all.subspan(1 + n, n))}});
}

inline bytes okp_public(EVP_PKEY* key) {
  bytes out(57);
  std::size_t size = out.size();
  EVP_PKEY_get_raw_public_key(key, out.data(), &size);
  out.resize(size);
  return out;
}

inline bytes okp_cose(EVP_PKEY* key, std::int64_t alg, std::int64_t crv) {
  return map({{integer(1), integer(1)},
              {integer(3), integer(alg)},
              {integer(-1), integer(crv)},
              {integer(-2), bstr(okp_public(key))}});
}

inline bytes bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  EVP_PKEY_get_bn_param(key, name, &raw);
  const common::ossl::bignum bn(raw);
  bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

inline bytes rsa_cose(EVP_PKEY* key, std::int64_t alg) {
  return map({{integer(1), integer(3)},
              {integer(3), integer(alg)},
              {integer(-1), bstr(bn_param(key, OSSL_PKEY_PARAM_RSA_N))},
              {integer(-2), bstr(bn_param(key, OSSL_PKEY_PARAM_RSA_E))}});
}

// Signs `message`; `md` null for EdDSA; `padding` 0 unless RSA.
inline bytes sign(EVP_PKEY* key, const EVP_MD* md, byte_view message,
                  int padding = 0) {
  const common::ossl::md_ctx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key);
  if (padding != 0)
    EVP_PKEY_CTX_set_rsa_padding(pctx, padding);
  if (padding == RSA_PKCS1_PSS_PADDING) {
    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256());
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
  }
  std::size_t size = 0;
  EVP_DigestSign(ctx.get(), nullptr, &size, message.data(), message.size());
  bytes out(size);
  EVP_DigestSign(ctx.get(), out.data(), &size, message.data(), message.size());
  out.resize(size);
  return out;
}

}  // namespace test

// Failure messages show a result as "value" or as its error's name.
template <class T>
struct doctest::StringMaker<boost::system::result<T>> {
  static doctest::String convert(const boost::system::result<T>& r) {
    if (r)
      return "value";
    return common::error_name(r.error()).c_str();
  }
};
