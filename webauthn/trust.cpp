#include "webauthn/trust.hpp"

#include "webauthn/attestation_common.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <limits>
#include <memory>

namespace webauthn {
namespace {

namespace ossl = common::ossl;

// A stack that borrows its certificates: the vector that parsed them owns
// them and outlives the stack.
struct x509_stack_free {
  void operator()(STACK_OF(X509) * stack) const noexcept {
    sk_X509_free(stack);
  }
};
using borrowed_x509_stack = std::unique_ptr<STACK_OF(X509), x509_stack_free>;

constexpr std::uint8_t kDerSequence = 0x30;

// Exactly one PEM certificate: a bundle would add roots that nobody named.
ossl::x509 parse_pem(common::byte_view text) {
  if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return {};
  const ossl::bio bio(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio)
    return {};
  ossl::x509 cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert) {
    const ossl::x509 second(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (second)
      cert.reset();
  }
  ERR_clear_error();
  return cert;
}

// RFC 2253 on one line, as logs and `latchkey verify` print it.
std::string one_line(const X509_NAME* name) {
  const ossl::bio bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  if (length <= 0 || data == nullptr)
    return {};
  return std::string(data, static_cast<std::size_t>(length));
}

// Some early U2F attestation certificates (Yubico, 2014) declare unused
// bits in the BIT STRING that carries their RSA signature, which OpenSSL
// refuses. An RSA signature is a whole number of bytes, so the count is an
// encoding slip outside the signed part: the path is checked with it set
// to zero. The signature must still verify, with the issuer's key, over
// to-be-signed bytes that the repair does not touch.
ossl::x509 parse_path_certificate(common::byte_view der) {
  ossl::x509 cert = parse_certificate_der(der);
  if (!cert)
    return cert;
  int key_nid = NID_undef;
  if (OBJ_find_sigid_algs(X509_get_signature_nid(cert.get()), nullptr,
                          &key_nid) != 1 ||
      key_nid != NID_rsaEncryption)
    return cert;
  const ASN1_BIT_STRING* signature = nullptr;
  X509_get0_signature(&signature, nullptr, cert.get());
  const auto length = static_cast<std::size_t>(ASN1_STRING_length(signature));
  // The signature is the certificate's last field: its unused-bits byte
  // comes right before its value, at the end of the DER.
  if (length >= der.size())
    return cert;
  const std::size_t unused_bits_at = der.size() - length - 1;
  if (der[unused_bits_at] == 0 || der[unused_bits_at] > 7)
    return cert;
  common::bytes repaired(der.begin(), der.end());
  repaired[unused_bits_at] = 0;
  ossl::x509 fixed = parse_certificate_der(repaired);
  return fixed ? std::move(fixed) : std::move(cert);
}

attestation_trust untrusted(std::string reason) {
  return attestation_trust{false, {}, std::move(reason)};
}

// Runs OpenSSL's path validation for a parsed path, leaf first, at `at`.
// Any extended key usage is accepted: attestation certificates carry
// none that OpenSSL knows, and the formats check their own.
attestation_trust verify_path(X509_STORE* store,
                              const std::vector<ossl::x509>& path,
                              common::time_point at) {
  const borrowed_x509_stack untrusted_chain(sk_X509_new_null());
  if (!untrusted_chain)
    return untrusted("out of memory");
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (sk_X509_push(untrusted_chain.get(), path[i].get()) <= 0)
      return untrusted("out of memory");
  }
  const ossl::x509_store_ctx ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, path.front().get(),
                                  untrusted_chain.get()) != 1) {
    ERR_clear_error();
    return untrusted("cannot set up path validation");
  }
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()),
                             static_cast<time_t>(common::to_unix_seconds(at)));
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
  const int verified = X509_verify_cert(ctx.get());
  ERR_clear_error();
  if (verified != 1) {
    return untrusted(
        X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  const STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  const X509* root = sk_X509_value(chain, sk_X509_num(chain) - 1);
  return attestation_trust{true, one_line(X509_get_subject_name(root)), {}};
}

}  // namespace

result<void> trust_store::add_root(common::byte_view certificate) {
  ossl::x509 root = !certificate.empty() && certificate[0] == kDerSequence
                        ? parse_certificate_der(certificate)
                        : parse_pem(certificate);
  if (!root)
    return errc::attestation_certificate_malformed;
  roots_.push_back(std::move(root));
  return {};
}

attestation_trust trust_store::evaluate(const std::vector<common::bytes>& path,
                                        common::time_point at) const {
  if (path.empty())
    return untrusted("the attestation carries no certificates");
  if (roots_.empty())
    return untrusted("no trust anchors are configured");
  std::vector<ossl::x509> parsed;
  for (std::size_t i = 0; i < path.size(); ++i) {
    parsed.push_back(parse_path_certificate(path[i]));
    if (!parsed.back())
      return untrusted("certificate " + std::to_string(i) +
                       " of the path cannot be parsed");
  }
  const ossl::x509_store store(X509_STORE_new());
  if (!store)
    return untrusted("out of memory");
  for (const ossl::x509& root : roots_) {
    if (X509_STORE_add_cert(store.get(), root.get()) != 1) {
      ERR_clear_error();
      return untrusted("cannot load the trust anchors");
    }
  }
  return verify_path(store.get(), parsed, at);
}

}  // namespace webauthn
