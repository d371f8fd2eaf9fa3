// FIDO Metadata Service (MDS3) data: what a model of authenticator is
// called, which roots attest it, and whether it was revoked or
// compromised.
//
// Sources: a metadata BLOB (a JWS in compact form, RS256 or ES256, whose
// x5c chain must lead to a configured root and whose leaf must be issued
// to the metadata service's host), and standalone metadata statements or
// BLOB entries (JSON) that the operator vouches for. The caller reads the
// files; this component gets bytes and the time.
//
// Parsing is bounded (size, nesting, counts) and never throws. A BLOB
// entry that does not have the shape Latchkey reads is skipped and
// counted in blob_info::skipped_entries; the rest of the BLOB is used.
//
// Thread-safe: a loaded metadata_store is immutable and may be shared by
// readers; load_blob and add_statement must not race with anything (to
// update a shared store, load into a copy and swap it in).
#pragma once

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/error.hpp"
#include "webauthn/trust.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace webauthn {

// SHA-1 of a certificate's subjectPublicKey (RFC 5280 4.2.1.2, method 1),
// as attestationCertificateKeyIdentifiers lists it for U2F models.
using key_identifier = std::array<std::uint8_t, 20>;

struct status_report {
  std::string status;          // an AuthenticatorStatus, such as "REVOKED"
  std::string effective_date;  // "2021-02-18", or empty
};

struct metadata_entry {
  std::optional<aaguid> model;  // absent for U2F and UAF entries
  std::vector<key_identifier> key_identifiers;
  std::string description;                       // the model name a user sees
  std::vector<common::bytes> attestation_roots;  // DER
  std::vector<status_report> status_reports;
};

// Whether a status refuses its model: REVOKED, ATTESTATION_KEY_COMPROMISE,
// USER_VERIFICATION_BYPASS, USER_KEY_REMOTE_COMPROMISE or
// USER_KEY_PHYSICAL_COMPROMISE.
bool status_refuses(std::string_view status) noexcept;

// The first report of `entry` whose status refuses the model, or null.
// Any such report counts, whatever comes after it: an attestation does
// not say which firmware signed it, so a later fix cannot be credited.
const status_report* refusing_report(const metadata_entry& entry) noexcept;

// An AAGUID in its text form, "cb69481e-8ff7-4039-93ec-0a2729a154a8"
// (either case); nullopt for anything else.
std::optional<aaguid> parse_aaguid(std::string_view text);

// The key identifier of a DER certificate; nullopt when it does not parse.
std::optional<key_identifier> certificate_key_identifier(common::byte_view der);

// What metadata says about one registration's authenticator, as the
// policy step found it.
struct model_info {
  std::string description;  // empty when the metadata does not know it
  // True only when the attestation chains to the roots that the metadata
  // lists for this very model: only then does its AAGUID count.
  bool attested = false;
  // When attested: subjects, leaf first, then the metadata root.
  std::vector<std::string> path;
};

struct blob_payload {
  std::uint64_t number = 0;  // "no"
  std::string next_update;   // "2021-12-01"
  common::time_point next_update_at;
  std::vector<metadata_entry> entries;
  std::size_t skipped_entries = 0;
};

struct blob_info {
  std::uint64_t number = 0;
  std::string next_update;
  std::size_t entries = 0;
  std::size_t skipped_entries = 0;
  // The BLOB is used, but its nextUpdate has passed: the caller should
  // log a warning and fetch a newer one.
  bool past_next_update = false;
};

struct blob_options {
  // The host the BLOB signer's certificate must name (subjectAltName, or
  // the common name when there is none).
  std::string signer_host = "mds.fidoalliance.org";
};

// Size limits: a BLOB (the JWS text) and one standalone statement.
inline constexpr std::size_t kMaxBlobSize = 32u << 20;
inline constexpr std::size_t kMaxStatementSize = 1u << 20;

// The payload of a BLOB, checked for shape only: nothing here proves who
// wrote it (load_blob does). Fails with input_too_large or
// metadata_malformed.
result<blob_payload> parse_blob_payload(std::string_view json);

// One metadata statement, or one BLOB entry (an object with
// "metadataStatement"). Fails with input_too_large or metadata_malformed.
result<metadata_entry> parse_metadata_entry(std::string_view json);

class metadata_store {
 public:
  // Verifies and loads a BLOB at time `at`, replacing the entries of any
  // BLOB loaded before. Fails, changing nothing, with
  // - input_too_large,
  // - metadata_malformed: not three base64url parts, a header or payload
  //   that is not JSON of the right shape, an x5c that is not DER,
  // - metadata_algorithm_unsupported: alg is not RS256 or ES256,
  // - metadata_signature_invalid: the signature does not verify with the
  //   x5c leaf's key,
  // - metadata_chain_untrusted: x5c does not lead to a root of `roots` at
  //   `at`, or its leaf is not issued to options.signer_host,
  // - metadata_not_newer: "no" is not higher than the loaded BLOB's.
  result<blob_info> load_blob(std::string_view jwt, const trust_store& roots,
                              common::time_point at,
                              const blob_options& options = {});

  // Adds a statement or BLOB entry (see parse_metadata_entry). Added
  // entries take precedence over the BLOB's.
  result<void> add_statement(std::string_view json);

  // The entry for an AAGUID, or for a key identifier; null when none.
  const metadata_entry* find(const aaguid& model) const noexcept;
  const metadata_entry* find(const key_identifier& key) const noexcept;

  // The entry that describes a registration's authenticator: by AAGUID,
  // or, when the AAGUID is all zeros (U2F), by the key identifier of the
  // attestation leaf. Null when none.
  const metadata_entry* find_for(
      const aaguid& model,
      const std::vector<common::bytes>& certificates) const;

  std::optional<std::uint64_t> blob_number() const noexcept {
    return blob_number_;
  }
  std::size_t size() const noexcept {
    return blob_entries_.size() + local_entries_.size();
  }

 private:
  std::vector<metadata_entry> blob_entries_;
  std::vector<metadata_entry> local_entries_;
  std::optional<std::uint64_t> blob_number_;
};

}  // namespace webauthn
