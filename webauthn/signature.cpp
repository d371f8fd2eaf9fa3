#include "webauthn/signature.hpp"

#include <openssl/err.h>
#include <openssl/rsa.h>

namespace webauthn {
namespace {

namespace ossl = common::ossl;

constexpr int kPssSaltLength = 32;

// Reads one DER INTEGER of at most `max_size` content bytes at `pos`:
// short-form length, positive, no redundant leading zero.
bool der_integer(common::byte_view der, std::size_t& pos,
                 std::size_t max_size) noexcept {
  if (der.size() - pos < 2 || der[pos] != 0x02)
    return false;
  const std::size_t size = der[pos + 1];
  pos += 2;
  if (size == 0 || size > max_size || size > der.size() - pos)
    return false;
  const std::uint8_t first = der[pos];
  if ((first & 0x80) != 0)
    return false;
  if (first == 0 && size > 1 && (der[pos + 1] & 0x80) == 0)
    return false;
  pos += size;
  return true;
}

// Whether `der` is exactly SEQUENCE { INTEGER r, INTEGER s } in DER, with
// integers no longer than the curve order needs (plus a sign byte).
// Checked by hand so that the common path allocates nothing.
bool strict_ecdsa_der(common::byte_view der, std::size_t max_int) noexcept {
  if (der.size() < 2 || der[0] != 0x30)
    return false;
  std::size_t pos = 2;
  std::size_t length = der[1];
  if (length == 0x81) {
    if (der.size() < 3 || der[2] < 0x80)
      return false;
    length = der[2];
    pos = 3;
  } else if (length > 0x7F) {
    return false;
  }
  if (length != der.size() - pos)
    return false;
  return der_integer(der, pos, max_int) && der_integer(der, pos, max_int) &&
         pos == der.size();
}

result<void> digest_verify(EVP_PKEY* key, const EVP_MD* md,
                           common::byte_view message,
                           common::byte_view signature, int rsa_padding) {
  const ossl::md_ctx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  bool ready =
      ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key) == 1;
  if (ready && rsa_padding != 0)
    ready = EVP_PKEY_CTX_set_rsa_padding(pctx, rsa_padding) == 1;
  if (ready && rsa_padding == RSA_PKCS1_PSS_PADDING) {
    ready =
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, common::ossl::sha256_md()) == 1 &&
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, kPssSaltLength) == 1;
  }
  if (ready && EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                                message.data(), message.size()) == 1)
    return {};
  ERR_clear_error();
  return errc::signature_invalid;
}

result<void> verify_ecdsa(cose_algorithm alg, EVP_PKEY* key,
                          common::byte_view message,
                          common::byte_view signature) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
    return errc::cose_key_parameters_mismatch;
  const EVP_MD* md = common::ossl::sha256_md();
  std::size_t max_int = 33;
  if (alg == cose_algorithm::es384) {
    md = common::ossl::sha384_md();
    max_int = 49;
  } else if (alg == cose_algorithm::es512) {
    md = common::ossl::sha512_md();
    max_int = 67;
  }
  if (!strict_ecdsa_der(signature, max_int))
    return errc::signature_malformed;
  return digest_verify(key, md, message, signature, 0);
}

result<void> verify_eddsa(cose_algorithm alg, EVP_PKEY* key,
                          common::byte_view message,
                          common::byte_view signature) {
  const int id = EVP_PKEY_get_base_id(key);
  const bool ed25519 = id == EVP_PKEY_ED25519;
  const bool fits =
      alg == cose_algorithm::eddsa
          ? ed25519 || id == EVP_PKEY_ED448
          : id == (alg == cose_algorithm::ed25519 ? EVP_PKEY_ED25519
                                                  : EVP_PKEY_ED448);
  if (!fits)
    return errc::cose_key_parameters_mismatch;
  if (signature.size() != (ed25519 ? 64u : 114u))
    return errc::signature_malformed;
  return digest_verify(key, nullptr, message, signature, 0);
}

result<void> verify_rsa(cose_algorithm alg, EVP_PKEY* key,
                        common::byte_view message,
                        common::byte_view signature) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
    return errc::cose_key_parameters_mismatch;
  // Both RSA encodings are exactly as long as the modulus.
  if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key)))
    return errc::signature_malformed;
  const int padding =
      alg == cose_algorithm::ps256 ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING;
  return digest_verify(key, common::ossl::sha256_md(), message, signature,
                       padding);
}

}  // namespace

result<void> verify_signature(cose_algorithm alg, EVP_PKEY* key,
                              common::byte_view message,
                              common::byte_view signature) {
  if (key == nullptr)
    return errc::cose_key_parameters_mismatch;
  switch (alg) {
    case cose_algorithm::es256:
    case cose_algorithm::es384:
    case cose_algorithm::es512:
      return verify_ecdsa(alg, key, message, signature);
    case cose_algorithm::eddsa:
    case cose_algorithm::ed25519:
    case cose_algorithm::ed448:
      return verify_eddsa(alg, key, message, signature);
    case cose_algorithm::rs256:
    case cose_algorithm::ps256:
      return verify_rsa(alg, key, message, signature);
  }
  return errc::cose_key_parameters_mismatch;
}

result<void> verify_rs1_signature(EVP_PKEY* key, common::byte_view message,
                                  common::byte_view signature) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
    return errc::cose_key_parameters_mismatch;
  if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key)))
    return errc::signature_malformed;
  return digest_verify(key, EVP_sha1(), message, signature, RSA_PKCS1_PADDING);
}

}  // namespace webauthn
