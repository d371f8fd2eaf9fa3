// Owners for OpenSSL handles. Every EVP_PKEY, X509 and friend that Latchkey
// holds lives in one of these, so no code path frees by hand.
//
// Thread-safe as the handles themselves are: an owner is not shared.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

namespace common::ossl {

template <auto Free>
struct deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

template <class T, auto Free>
using owner = std::unique_ptr<T, deleter<Free>>;

using pkey = owner<EVP_PKEY, EVP_PKEY_free>;
using pkey_ctx = owner<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using md_ctx = owner<EVP_MD_CTX, EVP_MD_CTX_free>;
using cipher_ctx = owner<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using mac = owner<EVP_MAC, EVP_MAC_free>;
using mac_ctx = owner<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using x509 = owner<X509, X509_free>;
using x509_store = owner<X509_STORE, X509_STORE_free>;
using x509_store_ctx = owner<X509_STORE_CTX, X509_STORE_CTX_free>;
using x509_crl = owner<X509_CRL, X509_CRL_free>;
using bio = owner<BIO, BIO_free_all>;
using bignum = owner<BIGNUM, BN_free>;
using bn_ctx = owner<BN_CTX, BN_CTX_free>;
using ec_group = owner<EC_GROUP, EC_GROUP_free>;
using ec_point = owner<EC_POINT, EC_POINT_free>;
using ecdsa_sig = owner<ECDSA_SIG, ECDSA_SIG_free>;
using param_bld = owner<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using params = owner<OSSL_PARAM, OSSL_PARAM_free>;

// SHA-256, SHA-384 and SHA-512 fetched once from the default provider and
// kept for the life of the process. A legacy handle such as EVP_sha256()
// makes OpenSSL 3 look the algorithm up again on every use, which cost a
// sign-in several microseconds. Never null once the process has started
// (a missing default provider is an abort: nothing can be hashed then).
const EVP_MD* sha256_md() noexcept;
const EVP_MD* sha384_md() noexcept;
const EVP_MD* sha512_md() noexcept;

}  // namespace common::ossl
