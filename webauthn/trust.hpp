// The trust step of registration: does an attestation's certificate path
// lead to one of the configured trust anchors, at the given time?
//
// With no anchors configured, every statement is reported untrusted; that
// is an answer, not a refusal: the caller's policy decides. Two findings
// are refusals instead, because they are evidence against the statement
// rather than a lack of evidence for it: a certificate that a configured
// CRL revokes, and SHA-1 where the SHA-1 policy forbids it.
//
// Revocation: once any CRL is added, every certificate of every path is
// checked against its issuer's CRL (OpenSSL's CRL_CHECK | CRL_CHECK_ALL),
// so a path through a CA whose CRL is not configured is untrusted
// ("unable to get certificate CRL"). Configure a CRL for every CA, or none.
//
// SHA-1: many Windows Hello TPMs sign with RS1 and chain through
// SHA-1-signed certificates, so by default SHA-1 is accepted in tpm
// statements and refused in every other format; refuse_sha1 refuses it in
// tpm statements too.
//
// Thread-safe: a trust_store is immutable once loaded and may be shared;
// the add_* and set_options calls must not race with anything.
#pragma once

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/openssl.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/error.hpp"

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace webauthn {

struct trust_options {
  // How far in the future a leaf's notBefore may lie at the verification
  // time: some platforms mint the attestation certificate at registration,
  // and clocks disagree by a little.
  std::chrono::seconds not_before_tolerance{std::chrono::minutes(5)};
  // Refuse SHA-1 certificates and RS1 signatures in every format,
  // tpm included.
  bool refuse_sha1 = false;

  // Whether a statement of format `fmt` may use SHA-1.
  bool sha1_allowed(std::string_view fmt) const noexcept {
    return !refuse_sha1 && fmt == "tpm";
  }
};

struct attestation_trust {
  bool trusted = false;
  std::string anchor;  // the trusted root's subject, when trusted
  // When trusted: each certificate's subject, leaf first, then the anchor.
  std::vector<std::string> path;
  std::string reason;  // why not, when not trusted
  // errc::ok, or why the statement must be refused outright:
  // attestation_certificate_revoked or attestation_sha1_refused.
  errc refusal = errc::ok;
};

class trust_store {
 public:
  trust_store() = default;
  explicit trust_store(const trust_options& options) : options_(options) {}

  // Adds a root certificate, PEM or DER. Fails with
  // attestation_certificate_malformed.
  result<void> add_root(common::byte_view certificate);

  // Adds a certificate revocation list, PEM or DER, and turns on CRL
  // checking for every path. Fails with crl_malformed.
  result<void> add_crl(common::byte_view crl);

  void set_options(const trust_options& options) noexcept {
    options_ = options;
  }
  const trust_options& options() const noexcept { return options_; }

  std::size_t size() const noexcept { return roots_.size(); }

  // A store with these roots (DER) instead of this one's, and this one's
  // options and CRLs: for checking a path against the roots that metadata
  // names for one model. Fails with attestation_certificate_malformed.
  result<trust_store> with_roots(std::span<const common::bytes> roots) const;

  // Checks `path` (DER, leaf first; the rest are untrusted intermediates)
  // at time `at` against the roots. `fmt` is the statement's format, for
  // the SHA-1 policy; an empty one is held to the strict rule.
  attestation_trust evaluate(const std::vector<common::bytes>& path,
                             common::time_point at,
                             std::string_view fmt = {}) const;

 private:
  std::vector<common::ossl::x509> roots_;
  std::vector<common::ossl::x509_crl> crls_;
  trust_options options_;
};

// Applies the SHA-1 policy to an attestation statement's own signature:
// fails with attestation_sha1_refused when its `alg` member is RS1 (-65535)
// and `options` do not allow SHA-1 for `fmt`. A statement without an
// integer `alg` passes: its format verifier judges its shape.
result<void> check_statement_sha1(const cbor_item_t* statement,
                                  std::string_view fmt,
                                  const trust_options& options);

}  // namespace webauthn
