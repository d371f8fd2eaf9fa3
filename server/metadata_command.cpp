#include "server/metadata_command.hpp"

#include "common/clock.hpp"
#include "common/encoding.hpp"
#include "server/command_support.hpp"
#include "server/trust_files.hpp"
#include "storage/sqlite_store.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/metadata.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace server {
namespace {

constexpr std::string_view kUsage =
    "Usage: latchkey metadata load FILE [OPTIONS]\n"
    "\n"
    "Verifies the FIDO MDS3 BLOB in FILE (its signature and certificate\n"
    "chain, under the roots in --metadata-roots), refuses it unless its\n"
    "serial number is higher than the last one loaded, then checks every\n"
    "stored credential against it: credentials of a model now reported\n"
    "revoked or compromised are suspended, audited, and their owners told\n"
    "why at their next sign-in. Servers may keep running.\n"
    "\n"
    "Options (also from LATCHKEY_* variables or --config, as for serve):\n"
    "  --database FILE        [LATCHKEY_DATABASE; default: ./latchkey.db]\n"
    "  --metadata-roots DIR   Roots that sign the BLOB (required).\n"
    "                         [LATCHKEY_METADATA_ROOTS]\n"
    "  --metadata-signer HOST The host the signer's certificate names.\n"
    "                         [default: mds.fidoalliance.org]\n"
    "\n"
    "Exit status: 0 loaded, 1 refused, 2 bad usage or a file that cannot\n"
    "be opened.\n";

constexpr std::string_view kNumberName = "mds-blob-number";
constexpr std::size_t kPage = 500;

common::bytes number_bytes(std::uint64_t n) {
  common::bytes out(8);
  for (int i = 7; i >= 0; --i, n >>= 8)
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n & 0xFF);
  return out;
}

std::uint64_t number_from(const common::bytes& b) {
  std::uint64_t n = 0;
  for (const auto byte : b)
    n = (n << 8) | byte;
  return n;
}

// The attestation certificates of a stored attestation object, leaf
// first; empty when it has none or does not parse.
std::vector<common::bytes> certificates_of(const common::bytes& object) {
  std::vector<common::bytes> out;
  const auto parsed = webauthn::parse_attestation_object(object);
  if (!parsed)
    return out;
  const auto x5c = webauthn::cbor_map_get(parsed->statement.get(), "x5c");
  if (!x5c || !cbor_isa_array(*x5c))
    return out;
  for (std::size_t i = 0; i < cbor_array_size(*x5c); ++i) {
    const auto der = webauthn::cbor_bytes(cbor_array_handle(*x5c)[i]);
    if (der)
      out.emplace_back(der->begin(), der->end());
  }
  return out;
}

struct recheck_counts {
  std::size_t checked = 0;
  std::size_t known = 0;
  std::size_t suspended = 0;
};

// Suspends every credential whose model the metadata now refuses.
bool recheck(storage::store& db, const webauthn::metadata_store& metadata,
             recheck_counts& counts, std::FILE* err) {
  common::bytes after;
  for (;;) {
    auto page = db.list_all_credentials(after, kPage);
    if (!page) {
      say(err, "latchkey metadata: reading credentials failed: " +
                   page.error().message() + "\n");
      return false;
    }
    if (page->empty())
      return true;
    for (const auto& c : *page) {
      ++counts.checked;
      webauthn::aaguid model{};
      std::copy_n(c.aaguid.begin(), std::min(c.aaguid.size(), model.size()),
                  model.begin());
      const auto* entry =
          metadata.find_for(model, certificates_of(c.attestation_object));
      if (entry == nullptr)
        continue;
      ++counts.known;
      const auto* report = webauthn::refusing_report(*entry);
      if (report == nullptr || c.suspended)
        continue;
      const std::string reason = "the FIDO Metadata Service reports " +
                                 entry->description + " as " + report->status;
      if (!db.set_suspended(c.id, true, reason))
        continue;
      ++counts.suspended;
      storage::audit_event event;
      event.at = std::chrono::system_clock::now();
      event.user = c.user;
      event.event = "credential_suspended";
      event.outcome = "suspended";
      event.address = "latchkey metadata load";
      event.detail =
          nlohmann::json({{"credential", common::base64url_encode(c.id)},
                          {"status", report->status},
                          {"model", entry->description}})
              .dump();
      (void)db.append_audit(event);
    }
    after = page->back().id;
  }
}

int load(const invocation& inv, std::FILE* out, std::FILE* err) {
  if (inv.config.metadata_roots.empty()) {
    say(err,
        "latchkey metadata: --metadata-roots is needed to verify the "
        "BLOB's signature\n");
    return 2;
  }
  webauthn::trust_store roots;
  if (auto problem = load_roots(inv.config.metadata_roots, roots)) {
    say(err, "latchkey metadata: --metadata-roots: " + *problem + "\n");
    return 2;
  }
  std::ifstream in(inv.operand, std::ios::binary);
  if (!in) {
    say(err, "latchkey metadata: cannot open " + inv.operand + "\n");
    return 2;
  }
  std::ostringstream text;
  text << in.rdbuf();
  webauthn::metadata_store metadata;
  const auto info =
      metadata.load_blob(text.str(), roots, std::chrono::system_clock::now(),
                         {inv.config.metadata_signer});
  if (!info) {
    say(err, "latchkey metadata: " + inv.operand +
                 " refused: " + common::error_name(info.error()) + ": " +
                 info.error().message() + "\n");
    return 1;
  }
  if (!file_exists(inv.config.database)) {
    say(err, "latchkey metadata: " + inv.config.database + " does not exist\n");
    return 2;
  }
  storage::sqlite_options options;
  options.path = inv.config.database;
  auto db = storage::open_sqlite_store(options);
  if (!db) {
    say(err, "latchkey metadata: " + db.error().message + "\n");
    return 2;
  }
  if (auto loaded = (*db)->find_value(kNumberName)) {
    const auto previous = number_from(*loaded);
    if (info->number <= previous) {
      say(err, "latchkey metadata: BLOB no. " + std::to_string(info->number) +
                   " is not newer than no. " + std::to_string(previous) +
                   ", loaded before; refused\n");
      return 1;
    }
  }
  say(out, "BLOB no. " + std::to_string(info->number) + ": " +
               std::to_string(info->entries) + " entries, next update " +
               info->next_update + "\n");
  if (info->past_next_update)
    say(out, "warning: the BLOB is past its nextUpdate; fetch a newer one\n");
  recheck_counts counts;
  if (!recheck(**db, metadata, counts, err))
    return 2;
  if (!(*db)->set_value(kNumberName, number_bytes(info->number))) {
    say(err, "latchkey metadata: recording the BLOB number failed\n");
    return 2;
  }
  say(out, "checked " + std::to_string(counts.checked) + " credentials (" +
               std::to_string(counts.known) + " of models the BLOB knows); " +
               "suspended " + std::to_string(counts.suspended) + "\n");
  return 0;
}

}  // namespace

int run_metadata(std::span<const std::string_view> args,
                 const common::environment& env, std::FILE* out,
                 std::FILE* err) {
  if (wants_help(args)) {
    say(out, kUsage);
    return 0;
  }
  if (args.empty() || args[0] != "load") {
    say(err, kUsage);
    return 2;
  }
  const auto inv = parse_invocation(args, env, true);
  if (!inv) {
    say(err, "latchkey metadata: " + inv.error() + "\n");
    return 2;
  }
  return load(*inv, out, err);
}

}  // namespace server
