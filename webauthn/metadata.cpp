#include "webauthn/metadata.hpp"

#include "common/encoding.hpp"
#include "common/openssl.hpp"
#include "webauthn/attestation_common.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/json_text.hpp"
#include "webauthn/signature.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>

namespace webauthn {
namespace {

namespace ossl = common::ossl;
using nlohmann::json;

// Statements nest a few levels (userVerificationDetails is an array of
// arrays of objects holding objects); BLOBs add two.
constexpr std::size_t kMaxDepth = 16;
constexpr std::size_t kMaxEntries = 20000;
// The SafetyNet entry of 2021 lists 39 roots.
constexpr std::size_t kMaxRoots = 128;
constexpr std::size_t kMaxKeyIdentifiers = 256;
constexpr std::size_t kMaxStatusReports = 256;
constexpr std::size_t kMaxChain = 8;
constexpr std::size_t kMaxText = 4096;
constexpr std::size_t kMaxCertificateText = 64 * 1024;

// The value of one base64 character (standard alphabet), or -1.
int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

// Standard base64 (RFC 4648 section 4), padded or not. Statements in the
// wild wrap their certificates in line breaks, so `skip_space` lets white
// space through; the JWS header's x5c gets none.
std::optional<common::bytes> base64_decode(std::string_view text,
                                           bool skip_space) {
  common::bytes out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t bits = 0;
  std::size_t count = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    if (skip_space && (c == ' ' || c == '\n' || c == '\r' || c == '\t'))
      continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int value = base64_value(c);
    if (value < 0 || padding > 0)
      return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    if (++count % 4 == 0) {
      out.push_back(static_cast<std::uint8_t>(bits >> 16));
      out.push_back(static_cast<std::uint8_t>(bits >> 8));
      out.push_back(static_cast<std::uint8_t>(bits));
      bits = 0;
    }
  }
  const std::size_t tail = count % 4;
  if (tail == 1 || padding > 2 || (padding > 0 && tail + padding != 4))
    return std::nullopt;
  if (tail >= 2)
    out.push_back(static_cast<std::uint8_t>(bits >> (tail == 2 ? 4 : 10)));
  if (tail == 3)
    out.push_back(static_cast<std::uint8_t>(bits >> 2));
  return out;
}

// A string member no longer than `max`; nullopt when absent, wrong or
// too long (`ok` says which).
std::optional<std::string_view> text_member(const json& object,
                                            std::string_view name,
                                            std::size_t max, bool& ok) {
  const json* member = json_find(object, name);
  if (member == nullptr)
    return std::nullopt;
  if (!member->is_string() ||
      member->get_ref<const std::string&>().size() > max) {
    ok = false;
    return std::nullopt;
  }
  return std::string_view(member->get_ref<const std::string&>());
}

// An array member of at most `max` elements; null when absent, and
// `ok` false when it is not an array or too long.
const json* array_member(const json& object, std::string_view name,
                         std::size_t max, bool& ok) {
  const json* member = json_find(object, name);
  if (member != nullptr && (!member->is_array() || member->size() > max)) {
    ok = false;
    return nullptr;
  }
  return member;
}

bool read_key_identifiers(const json* list, metadata_entry& out) {
  if (list == nullptr)
    return true;
  for (const json& item : *list) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() != 40)
      return false;
    const auto decoded = common::hex_decode(item.get<std::string>());
    if (!decoded)
      return false;
    key_identifier id{};
    std::copy(decoded->begin(), decoded->end(), id.begin());
    out.key_identifiers.push_back(id);
  }
  return true;
}

bool read_roots(const json* list, metadata_entry& out) {
  if (list == nullptr)
    return true;
  for (const json& item : *list) {
    if (!item.is_string() ||
        item.get_ref<const std::string&>().size() > kMaxCertificateText)
      return false;
    auto der = base64_decode(item.get_ref<const std::string&>(), true);
    if (!der || !parse_certificate_der(*der))
      return false;
    out.attestation_roots.push_back(std::move(*der));
  }
  return true;
}

bool read_status_reports(const json* list, metadata_entry& out) {
  if (list == nullptr)
    return true;
  for (const json& item : *list) {
    bool ok = item.is_object();
    const auto status =
        ok ? text_member(item, "status", kMaxText, ok) : std::nullopt;
    const auto date =
        ok ? text_member(item, "effectiveDate", kMaxText, ok) : std::nullopt;
    if (!ok || !status)
      return false;
    out.status_reports.push_back(
        {std::string(*status), std::string(date.value_or(""))});
  }
  return true;
}

// The AAGUID of an entry: the entry's own, else its statement's.
bool read_model(const json& entry, const json& statement, metadata_entry& out) {
  bool ok = true;
  auto text = text_member(entry, "aaguid", kMaxText, ok);
  if (ok && !text)
    text = text_member(statement, "aaguid", kMaxText, ok);
  if (!ok)
    return false;
  if (text) {
    out.model = parse_aaguid(*text);
    return out.model.has_value();
  }
  return true;
}

// One statement, or one BLOB entry that carries it.
result<metadata_entry> read_entry(const json& entry) {
  if (!entry.is_object())
    return errc::metadata_malformed;
  const json* wrapped = json_find(entry, "metadataStatement");
  if (wrapped != nullptr && !wrapped->is_object())
    return errc::metadata_malformed;
  const json& statement = wrapped != nullptr ? *wrapped : entry;
  metadata_entry out;
  bool ok = true;
  const auto description = text_member(statement, "description", kMaxText, ok);
  const json* keys = array_member(entry, "attestationCertificateKeyIdentifiers",
                                  kMaxKeyIdentifiers, ok);
  if (ok && keys == nullptr)
    keys = array_member(statement, "attestationCertificateKeyIdentifiers",
                        kMaxKeyIdentifiers, ok);
  const json* roots =
      array_member(statement, "attestationRootCertificates", kMaxRoots, ok);
  const json* reports =
      wrapped != nullptr
          ? array_member(entry, "statusReports", kMaxStatusReports, ok)
          : nullptr;
  if (!ok || !description || !read_model(entry, statement, out) ||
      !read_key_identifiers(keys, out) || !read_roots(roots, out) ||
      !read_status_reports(reports, out))
    return errc::metadata_malformed;
  out.description = std::string(*description);
  return out;
}

// "2021-12-01", read as the start of that day in UTC.
std::optional<common::time_point> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-')
    return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
      return std::nullopt;
  }
  return common::parse_time(std::string(text) + "T00:00:00Z");
}

result<blob_payload> read_payload(const json& payload) {
  if (!payload.is_object())
    return errc::metadata_malformed;
  const json* number = json_find(payload, "no");
  const json* entries = json_find(payload, "entries");
  bool ok = true;
  const auto next = text_member(payload, "nextUpdate", kMaxText, ok);
  if (number == nullptr || !number->is_number_unsigned() || !next ||
      entries == nullptr || !entries->is_array() ||
      entries->size() > kMaxEntries)
    return errc::metadata_malformed;
  blob_payload out;
  out.number = number->get<std::uint64_t>();
  out.next_update = std::string(*next);
  const auto next_at = parse_date(*next);
  if (!next_at)
    return errc::metadata_malformed;
  out.next_update_at = *next_at;
  for (const json& item : *entries) {
    auto entry = read_entry(item);
    if (entry)
      out.entries.push_back(std::move(*entry));
    else
      ++out.skipped_entries;
  }
  return out;
}

}  // namespace
}  // namespace webauthn

namespace webauthn {
namespace {

struct jws_parts {
  std::string_view signing_input;  // header "." payload, as sent
  common::bytes header;
  common::bytes payload;
  common::bytes signature;
};

result<jws_parts> split_jws(std::string_view text) {
  const auto first = text.find('.');
  const auto second =
      first == std::string_view::npos ? first : text.find('.', first + 1);
  if (second == std::string_view::npos ||
      text.find('.', second + 1) != std::string_view::npos)
    return errc::metadata_malformed;
  auto header = common::base64url_decode(text.substr(0, first));
  auto payload =
      common::base64url_decode(text.substr(first + 1, second - first - 1));
  auto signature = common::base64url_decode(text.substr(second + 1));
  if (!header || !payload || !signature)
    return errc::metadata_malformed;
  return jws_parts{text.substr(0, second), std::move(*header),
                   std::move(*payload), std::move(*signature)};
}

struct jws_header {
  cose_algorithm alg = cose_algorithm::rs256;
  std::vector<common::bytes> x5c;  // DER, leaf first
};

result<jws_header> read_header(common::byte_view bytes) {
  auto parsed = parse_json_text(common::as_text(bytes), kMaxDepth,
                                errc::metadata_malformed);
  if (!parsed)
    return parsed.error();
  bool ok = true;
  const auto alg = text_member(*parsed, "alg", kMaxText, ok);
  const json* x5c = array_member(*parsed, "x5c", kMaxChain, ok);
  if (!ok || !alg || x5c == nullptr || x5c->empty())
    return errc::metadata_malformed;
  jws_header out;
  if (*alg == "ES256")
    out.alg = cose_algorithm::es256;
  else if (*alg != "RS256")
    return errc::metadata_algorithm_unsupported;
  for (const json& item : *x5c) {
    if (!item.is_string() ||
        item.get_ref<const std::string&>().size() > kMaxCertificateText)
      return errc::metadata_malformed;
    auto der = base64_decode(item.get_ref<const std::string&>(), false);
    if (!der || !parse_certificate_der(*der))
      return errc::metadata_malformed;
    out.x5c.push_back(std::move(*der));
  }
  return out;
}

// JWS carries ECDSA signatures as r || s (RFC 7518 section 3.4); the
// signature checks take DER.
std::optional<common::bytes> ecdsa_p256_to_der(common::byte_view raw) {
  if (raw.size() != 64)
    return std::nullopt;
  ossl::bignum r(BN_bin2bn(raw.data(), 32, nullptr));
  ossl::bignum s(BN_bin2bn(raw.data() + 32, 32, nullptr));
  ossl::ecdsa_sig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  (void)r.release();  // owned by sig now
  (void)s.release();
  const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0)
    return std::nullopt;
  common::bytes der(static_cast<std::size_t>(length));
  unsigned char* p = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != length)
    return std::nullopt;
  return der;
}

result<void> verify_jws_signature(const jws_parts& parts,
                                  const jws_header& header) {
  const ossl::x509 leaf = parse_certificate_der(header.x5c.front());
  EVP_PKEY* key = leaf ? X509_get0_pubkey(leaf.get()) : nullptr;
  if (key == nullptr) {
    ERR_clear_error();
    return errc::metadata_signature_invalid;
  }
  common::bytes signature = parts.signature;
  if (header.alg == cose_algorithm::es256) {
    if (!is_p256_key(key))
      return errc::metadata_signature_invalid;
    auto der = ecdsa_p256_to_der(parts.signature);
    if (!der)
      return errc::metadata_signature_invalid;
    signature = std::move(*der);
  }
  if (!verify_signature(header.alg, key, common::as_bytes(parts.signing_input),
                        signature))
    return errc::metadata_signature_invalid;
  return {};
}

result<void> verify_signer(const jws_header& header, const trust_store& roots,
                           common::time_point at, const blob_options& options) {
  if (!roots.evaluate(header.x5c, at).trusted)
    return errc::metadata_chain_untrusted;
  const ossl::x509 leaf = parse_certificate_der(header.x5c.front());
  const int named =
      leaf ? X509_check_host(leaf.get(), options.signer_host.data(),
                             options.signer_host.size(), 0, nullptr)
           : 0;
  ERR_clear_error();
  if (named != 1)
    return errc::metadata_chain_untrusted;
  return {};
}

const metadata_entry* find_in(const std::vector<metadata_entry>& entries,
                              const aaguid& model) noexcept {
  for (const metadata_entry& entry : entries) {
    if (entry.model && *entry.model == model)
      return &entry;
  }
  return nullptr;
}

const metadata_entry* find_in(const std::vector<metadata_entry>& entries,
                              const key_identifier& key) noexcept {
  for (const metadata_entry& entry : entries) {
    if (std::find(entry.key_identifiers.begin(), entry.key_identifiers.end(),
                  key) != entry.key_identifiers.end())
      return &entry;
  }
  return nullptr;
}

}  // namespace

std::optional<aaguid> parse_aaguid(std::string_view text) {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' ||
      text[18] != '-' || text[23] != '-')
    return std::nullopt;
  std::string hex;
  for (const char c : text) {
    if (c != '-')
      hex.push_back(c);
  }
  const auto decoded = common::hex_decode(hex);
  if (!decoded || decoded->size() != 16)
    return std::nullopt;
  aaguid out{};
  std::copy(decoded->begin(), decoded->end(), out.begin());
  return out;
}

bool status_refuses(std::string_view status) noexcept {
  return status == "REVOKED" || status == "ATTESTATION_KEY_COMPROMISE" ||
         status == "USER_VERIFICATION_BYPASS" ||
         status == "USER_KEY_REMOTE_COMPROMISE" ||
         status == "USER_KEY_PHYSICAL_COMPROMISE";
}

const status_report* refusing_report(const metadata_entry& entry) noexcept {
  for (const status_report& report : entry.status_reports) {
    if (status_refuses(report.status))
      return &report;
  }
  return nullptr;
}

std::optional<key_identifier> certificate_key_identifier(
    common::byte_view der) {
  const ossl::x509 cert = parse_certificate_der(der);
  key_identifier out{};
  unsigned int length = 0;
  // SHA-1 here names a key, as RFC 5280 defines it; it proves nothing.
  if (!cert ||
      X509_pubkey_digest(cert.get(), EVP_sha1(), out.data(), &length) != 1 ||
      length != out.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  return out;
}

result<blob_payload> parse_blob_payload(std::string_view text) {
  if (text.size() > kMaxBlobSize)
    return errc::input_too_large;
  auto parsed = parse_json_text(text, kMaxDepth, errc::metadata_malformed);
  if (!parsed)
    return parsed.error();
  return read_payload(*parsed);
}

result<metadata_entry> parse_metadata_entry(std::string_view text) {
  if (text.size() > kMaxStatementSize)
    return errc::input_too_large;
  auto parsed = parse_json_text(text, kMaxDepth, errc::metadata_malformed);
  if (!parsed)
    return parsed.error();
  return read_entry(*parsed);
}

result<blob_info> metadata_store::load_blob(std::string_view jwt,
                                            const trust_store& roots,
                                            common::time_point at,
                                            const blob_options& options) {
  if (jwt.size() > kMaxBlobSize)
    return errc::input_too_large;
  // Files often end with a line break, which is not part of the JWS.
  while (!jwt.empty() && (jwt.back() == '\n' || jwt.back() == '\r'))
    jwt.remove_suffix(1);
  auto parts = split_jws(jwt);
  if (!parts)
    return parts.error();
  auto header = read_header(parts->header);
  if (!header)
    return header.error();
  if (auto signed_ok = verify_jws_signature(*parts, *header); !signed_ok)
    return signed_ok.error();
  if (auto signer = verify_signer(*header, roots, at, options); !signer)
    return signer.error();
  auto payload = parse_blob_payload(common::as_text(parts->payload));
  if (!payload)
    return payload.error();
  if (blob_number_ && payload->number <= *blob_number_)
    return errc::metadata_not_newer;
  blob_info info{payload->number, payload->next_update, payload->entries.size(),
                 payload->skipped_entries, at > payload->next_update_at};
  blob_entries_ = std::move(payload->entries);
  blob_number_ = payload->number;
  return info;
}

result<void> metadata_store::add_statement(std::string_view json_text) {
  auto entry = parse_metadata_entry(json_text);
  if (!entry)
    return entry.error();
  local_entries_.push_back(std::move(*entry));
  return {};
}

const metadata_entry* metadata_store::find(const aaguid& model) const noexcept {
  const metadata_entry* local = find_in(local_entries_, model);
  return local != nullptr ? local : find_in(blob_entries_, model);
}

const metadata_entry* metadata_store::find(
    const key_identifier& key) const noexcept {
  const metadata_entry* local = find_in(local_entries_, key);
  return local != nullptr ? local : find_in(blob_entries_, key);
}

const metadata_entry* metadata_store::find_for(
    const aaguid& model, const std::vector<common::bytes>& certificates) const {
  if (model != aaguid{})
    return find(model);
  if (certificates.empty())
    return nullptr;
  const auto key = certificate_key_identifier(certificates.front());
  return key ? find(*key) : nullptr;
}

}  // namespace webauthn
