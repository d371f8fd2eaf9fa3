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
  attestation_trust out;
  out.reason = std::move(reason);
  return out;
}

attestation_trust refused(errc why, std::string reason) {
  attestation_trust out = untrusted(std::move(reason));
  out.refusal = why;
  return out;
}

// Exactly one PEM CRL, or one DER CRL with nothing after it.
ossl::x509_crl parse_crl(common::byte_view data) {
  if (data.empty() ||
      data.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return {};
  if (data[0] == kDerSequence) {
    const unsigned char* p = data.data();
    ossl::x509_crl crl(
        d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size())));
    ERR_clear_error();
    if (crl && p != data.data() + data.size())
      crl.reset();
    return crl;
  }
  const ossl::bio bio(
      BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio)
    return {};
  ossl::x509_crl crl(
      PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  if (crl) {
    const ossl::x509_crl second(
        PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (second)
      crl.reset();
  }
  ERR_clear_error();
  return crl;
}

bool signed_with_sha1(const X509* cert) noexcept {
  int digest_nid = NID_undef;
  return OBJ_find_sigid_algs(X509_get_signature_nid(cert), &digest_nid,
                             nullptr) == 1 &&
         digest_nid == NID_sha1;
}

// The verification callback's context: the latest notBefore a leaf may
// have, as Unix seconds.
int tolerate_fresh_leaf(int ok, X509_STORE_CTX* ctx) {
  if (ok == 1 ||
      X509_STORE_CTX_get_error(ctx) != X509_V_ERR_CERT_NOT_YET_VALID ||
      X509_STORE_CTX_get_error_depth(ctx) != 0)
    return ok;
  const auto* latest =
      static_cast<const time_t*>(X509_STORE_CTX_get_app_data(ctx));
  const X509* leaf = X509_STORE_CTX_get_current_cert(ctx);
  if (latest == nullptr || leaf == nullptr)
    return ok;
  time_t limit = *latest;
  // -1: notBefore is at or before the limit.
  if (X509_cmp_time(X509_get0_notBefore(leaf), &limit) != -1)
    return ok;
  X509_STORE_CTX_set_error(ctx, X509_V_OK);
  return 1;
}

attestation_trust path_failure(X509_STORE_CTX* ctx) {
  const int error = X509_STORE_CTX_get_error(ctx);
  if (error != X509_V_ERR_CERT_REVOKED)
    return untrusted(X509_verify_cert_error_string(error));
  const X509* cert = X509_STORE_CTX_get_current_cert(ctx);
  return refused(
      errc::attestation_certificate_revoked,
      "certificate " + std::to_string(X509_STORE_CTX_get_error_depth(ctx)) +
          " of the path is revoked" +
          (cert ? " (" + one_line(X509_get_subject_name(cert)) + ")" : ""));
}

attestation_trust trusted_path(X509_STORE_CTX* ctx) {
  const STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
  attestation_trust out;
  out.trusted = true;
  for (int i = 0; i < sk_X509_num(chain); ++i)
    out.path.push_back(
        one_line(X509_get_subject_name(sk_X509_value(chain, i))));
  out.anchor = out.path.empty() ? std::string() : out.path.back();
  return out;
}

// Runs OpenSSL's path validation for a parsed path, leaf first, at `at`.
// Any extended key usage is accepted: attestation certificates carry
// none that OpenSSL knows, and the formats check their own.
attestation_trust verify_path(X509_STORE* store,
                              const std::vector<ossl::x509>& path,
                              common::time_point at,
                              std::chrono::seconds tolerance, bool check_crls) {
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
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param,
                             static_cast<time_t>(common::to_unix_seconds(at)));
  if (check_crls)
    X509_VERIFY_PARAM_set_flags(
        param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
  time_t latest_not_before =
      static_cast<time_t>(common::to_unix_seconds(at + tolerance));
  X509_STORE_CTX_set_app_data(ctx.get(), &latest_not_before);
  X509_STORE_CTX_set_verify_cb(ctx.get(), tolerate_fresh_leaf);
  const int verified = X509_verify_cert(ctx.get());
  ERR_clear_error();
  return verified == 1 ? trusted_path(ctx.get()) : path_failure(ctx.get());
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

result<void> trust_store::add_crl(common::byte_view crl) {
  ossl::x509_crl parsed = parse_crl(crl);
  if (!parsed)
    return errc::crl_malformed;
  crls_.push_back(std::move(parsed));
  return {};
}

result<trust_store> trust_store::with_roots(
    std::span<const common::bytes> roots) const {
  trust_store out(options_);
  for (const common::bytes& root : roots) {
    if (auto added = out.add_root(root); !added)
      return added.error();
  }
  for (const ossl::x509_crl& crl : crls_) {
    if (X509_CRL_up_ref(crl.get()) != 1)
      return errc::crl_malformed;
    out.crls_.emplace_back(crl.get());
  }
  return out;
}

attestation_trust trust_store::evaluate(const std::vector<common::bytes>& path,
                                        common::time_point at,
                                        std::string_view fmt) const {
  if (path.empty())
    return untrusted("the attestation carries no certificates");
  std::vector<ossl::x509> parsed;
  for (std::size_t i = 0; i < path.size(); ++i) {
    parsed.push_back(parse_path_certificate(path[i]));
    if (!parsed.back())
      return untrusted("certificate " + std::to_string(i) +
                       " of the path cannot be parsed");
    if (signed_with_sha1(parsed.back().get()) && !options_.sha1_allowed(fmt))
      return refused(errc::attestation_sha1_refused,
                     "certificate " + std::to_string(i) +
                         " of the path is signed with SHA-1");
  }
  if (roots_.empty())
    return untrusted("no trust anchors are configured");
  const ossl::x509_store store(X509_STORE_new());
  if (!store)
    return untrusted("out of memory");
  for (const ossl::x509& root : roots_) {
    if (X509_STORE_add_cert(store.get(), root.get()) != 1) {
      ERR_clear_error();
      return untrusted("cannot load the trust anchors");
    }
  }
  for (const ossl::x509_crl& crl : crls_) {
    if (X509_STORE_add_crl(store.get(), crl.get()) != 1) {
      ERR_clear_error();
      return untrusted("cannot load the revocation lists");
    }
  }
  return verify_path(store.get(), parsed, at, options_.not_before_tolerance,
                     !crls_.empty());
}

result<void> check_statement_sha1(const cbor_item_t* statement,
                                  std::string_view fmt,
                                  const trust_options& options) {
  constexpr std::int64_t kRs1 = -65535;
  const auto alg = cbor_map_get(statement, "alg");
  if (!alg)
    return {};
  const auto id = cbor_int(*alg);
  if (id && *id == kRs1 && !options.sha1_allowed(fmt))
    return errc::attestation_sha1_refused;
  return {};
}

}  // namespace webauthn
