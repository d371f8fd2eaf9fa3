// The trust step of registration: does an attestation's certificate path
// lead to one of the configured trust anchors, at the given time?
//
// With no anchors configured, every statement is reported untrusted; that
// is an answer, not a refusal: the caller's policy decides.
//
// Thread-safe: a trust_store is immutable once loaded and may be shared.
#pragma once

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/openssl.hpp"
#include "webauthn/error.hpp"

#include <string>
#include <vector>

namespace webauthn {

struct attestation_trust {
  bool trusted = false;
  std::string anchor;  // the trusted root's subject, when trusted
  std::string reason;  // why not, when not trusted and there was a path
};

class trust_store {
 public:
  trust_store() = default;

  // Adds a root certificate, PEM or DER. Fails with
  // attestation_certificate_malformed.
  result<void> add_root(common::byte_view certificate);

  std::size_t size() const noexcept { return roots_.size(); }

  // Checks `path` (DER, leaf first; the rest are untrusted intermediates)
  // at time `at` against the roots.
  attestation_trust evaluate(const std::vector<common::bytes>& path,
                             common::time_point at) const;

 private:
  std::vector<common::ossl::x509> roots_;
};

}  // namespace webauthn
