#include "server/verify_command.hpp"

#include "server/trust_files.hpp"

#include "common/config.hpp"
#include "common/encoding.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authentication.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/metadata.hpp"
#include "webauthn/policy.hpp"
#include "webauthn/registration.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace server {
namespace {

constexpr std::string_view kUsage =
    "Usage: latchkey verify registration|assertion FILE [OPTIONS]\n"
    "\n"
    "Checks a captured WebAuthn response offline and prints what it holds\n"
    "and the verdict. FILE holds the credential JSON (toJSON() form), or an\n"
    "object with it under \"credential\" and the expectations beside it.\n"
    "Exit status: 0 valid, 1 refused, 2 bad usage.\n"
    "\n"
    "Options:\n";

constexpr std::size_t kMaxFile = 1 << 20;

struct verify_options {
  std::string rp_id;
  std::vector<std::string> origins;
  std::string challenge;  // base64url; empty: not checked
  std::string at;         // ISO 8601 UTC or Unix seconds; empty: now
  std::string roots;
  std::string metadata;
  bool allow_cross_origin = false;
  std::vector<std::string> top_origins;
  std::string public_key;  // base64url COSE_Key
  std::uint64_t counter = 0;
  bool counter_given = false;
  bool require_uv = false;
  // The registration policy.
  std::vector<std::string> allowed_models;
  std::vector<std::string> denied_models;
  bool require_trusted = false;
  bool refuse_synced = false;
  bool refuse_sha1 = false;
};

common::option_set make_options(verify_options& o) {
  common::option_set set;
  set.add("rp-id", "DOMAIN", "The RP ID to verify against.", "from FILE",
          common::text_into(&o.rp_id));
  set.add_list("origin", "URL", "An expected origin.", "from FILE",
               common::list_into(&o.origins));
  set.add("challenge", "BASE64URL", "The challenge that was issued.",
          "from FILE, else not checked", common::text_into(&o.challenge));
  set.add("at", "TIME",
          "When to check certificates: 2025-01-01T00:00:00Z or Unix seconds.",
          "from FILE, else now", common::text_into(&o.at));
  set.add("roots", "DIR",
          "Trust anchors: every .pem, .crt or .der file; .crl files are "
          "revocation lists.",
          "", common::text_into(&o.roots));
  set.add("metadata", "PATH",
          "FIDO metadata: an MDS3 BLOB (.jwt, signed under --roots), a "
          "statement or BLOB entry (.json), or a folder of them.",
          "", common::text_into(&o.metadata));
  set.add_flag("allow-cross-origin", "Accept crossOrigin: true.",
               &o.allow_cross_origin);
  set.add_list("top-origin", "URL", "A top origin to accept when framed.", "",
               common::list_into(&o.top_origins));
  set.add("public-key", "BASE64URL", "Assertions: the stored COSE key.",
          "from FILE", common::text_into(&o.public_key));
  set.add("counter", "N", "Assertions: the stored signature counter.",
          "from FILE, else 0", [&o](std::string_view text) {
            o.counter_given = true;
            return common::unsigned_into(&o.counter, 0, 0xffffffff)(text);
          });
  set.add_flag("require-uv", "Require user verification.", &o.require_uv);
  set.add_list("allow-aaguid", "UUID",
               "Policy: accept only these models, attested by their metadata.",
               "", common::list_into(&o.allowed_models));
  set.add_list("deny-aaguid", "UUID", "Policy: refuse these models.", "",
               common::list_into(&o.denied_models));
  set.add_flag("require-trusted-attestation",
               "Policy: refuse attestation that chains to no trusted root.",
               &o.require_trusted);
  set.add_flag("refuse-synced", "Policy: refuse backup-eligible credentials.",
               &o.refuse_synced);
  set.add_flag("refuse-sha1", "Refuse SHA-1 in every format, tpm included.",
               &o.refuse_sha1);
  return set;
}

std::string flag_names(const webauthn::authenticator_flags& f) {
  std::string out;
  const std::pair<bool, const char*> bits[] = {
      {f.user_present, "UP"},    {f.user_verified, "UV"},
      {f.backup_eligible, "BE"}, {f.backup_state, "BS"},
      {f.attested_data, "AT"},   {f.extension_data, "ED"}};
  for (const auto& [set, name] : bits) {
    if (!set)
      continue;
    if (!out.empty())
      out += ',';
    out += name;
  }
  return out.empty() ? "none" : out;
}

std::string format_aaguid(const webauthn::aaguid& id) {
  const std::string hex = common::hex_encode(id);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace
}  // namespace server

namespace server {
namespace {

struct input {
  nlohmann::json credential;
  nlohmann::json context;  // the fixture-style wrapper, or null
};

void say(std::FILE* to, const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), to);
}

std::optional<input> read_input(const std::string& path, std::FILE* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    say(err, "latchkey verify: cannot open " + path + "\n");
    return std::nullopt;
  }
  std::string text(kMaxFile + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (text.size() > kMaxFile || json.is_discarded() || !json.is_object()) {
    say(err, "latchkey verify: " + path + " is not a JSON object\n");
    return std::nullopt;
  }
  if (json.contains("credential") && json["credential"].is_object()) {
    return input{json["credential"], json};
  }
  return input{json, nullptr};
}

// Fills what the flags left unset from the file's context.
void take_defaults(verify_options& o, const nlohmann::json& context) {
  if (!context.is_object())
    return;
  const auto text = [&](const char* key) -> std::string {
    const auto it = context.find(key);
    return it != context.end() && it->is_string() ? it->get<std::string>()
                                                  : std::string();
  };
  if (o.rp_id.empty())
    o.rp_id = text("rpId");
  if (o.origins.empty() && !text("origin").empty()) {
    o.origins = {text("origin")};
  }
  if (o.challenge.empty())
    o.challenge = text("expectedChallenge");
  if (o.at.empty())
    o.at = text("verifyAt");
  if (o.public_key.empty())
    o.public_key = text("credentialPublicKey");
  const auto count = context.find("prevSignCount");
  if (!o.counter_given && count != context.end() &&
      count->is_number_unsigned()) {
    o.counter = count->get<std::uint64_t>();
  }
}

std::optional<std::string> read_models(const std::vector<std::string>& texts,
                                       std::vector<webauthn::aaguid>& models) {
  for (const auto& text : texts) {
    const auto model = webauthn::parse_aaguid(text);
    if (!model)
      return "not an AAGUID: " + text;
    models.push_back(*model);
  }
  return std::nullopt;
}

int verdict(std::FILE* out, const webauthn::result<void>& outcome) {
  if (outcome) {
    say(out, "verdict: valid\n");
    return 0;
  }
  say(out, "verdict: refused (" + common::error_name(outcome.error()) +
               "): " + outcome.error().message() + "\n");
  return 1;
}

void describe_data(std::FILE* out, common::byte_view raw) {
  const auto data = webauthn::parse_authenticator_data(raw);
  if (!data)
    return;
  say(out, "flags: " + flag_names(data->flags) + "\n");
  say(out, "sign count: " + std::to_string(data->sign_count) + "\n");
  if (!data->attested)
    return;
  say(out, "aaguid: " + format_aaguid(data->attested->aaguid) + "\n");
  if (const auto key = webauthn::parse_cose_key(data->attested->public_key)) {
    say(out, "algorithm: " + std::string(webauthn::to_string(key->algorithm)) +
                 "\n");
  }
}

}  // namespace
}  // namespace server

namespace server {
namespace {

// response.clientDataJSON as text, or "" when it is absent or not text.
std::string client_data_text(const nlohmann::json& credential) {
  const auto response = credential.find("response");
  if (response == credential.end() || !response->is_object())
    return "";
  const auto text = response->find("clientDataJSON");
  return text != response->end() && text->is_string() ? text->get<std::string>()
                                                      : "";
}

// Roots, CRLs, metadata and policy, as the flags give them.
struct trust_context {
  webauthn::trust_store roots;
  webauthn::metadata_store metadata;
  webauthn::registration_policy policy;
  common::time_point at;
};

struct checked_context {
  webauthn::relying_party rp;
  common::bytes challenge;
  common::time_point at;
  webauthn::user_verification uv = webauthn::user_verification::preferred;
};

// The challenge to expect: the one given, or, when none was, the one the
// response carries (and the output says it was not checked).
std::optional<common::bytes> expected_challenge(const verify_options& o,
                                                common::byte_view client_json,
                                                std::FILE* out) {
  if (!o.challenge.empty()) {
    auto decoded = common::base64url_decode(o.challenge);
    if (!decoded)
      return std::nullopt;
    return *decoded;
  }
  say(out, "challenge: not checked (no --challenge)\n");
  const auto client = webauthn::parse_client_data(client_json);
  return client ? client->challenge : common::bytes{};
}

// What a registration's certificates lead to, one subject a line.
void describe_trust(std::FILE* out, const webauthn::new_credential& cred) {
  say(out, "attestation: " + std::string(webauthn::to_string(cred.type)));
  const auto& trust = cred.trust;
  say(out, trust.trusted ? " (trusted: " + trust.anchor + ")\n"
                         : " (not trusted" +
                               (trust.reason.empty() ? std::string()
                                                     : ": " + trust.reason) +
                               ")\n");
  if (trust.path.empty()) {
    say(out, "trust path: none\n");
    return;
  }
  say(out, "trust path:\n");
  for (std::size_t i = 0; i < trust.path.size(); ++i) {
    const bool anchor = i + 1 == trust.path.size();
    say(out, "  " + trust.path[i] + (anchor ? " (anchor)\n" : "\n"));
  }
}

// The model name the metadata gives, and the policy's verdict on it.
webauthn::result<void> judge_policy(std::FILE* out,
                                    const webauthn::new_credential& cred,
                                    const trust_context& trust) {
  const auto* entry =
      trust.metadata.find_for(cred.authenticator_model, cred.certificates);
  say(out, "model: " +
               (entry != nullptr ? entry->description
                                 : std::string("unknown to the metadata")) +
               "\n");
  const auto model = webauthn::check_registration_policy(
      cred, trust.policy, &trust.metadata, &trust.roots, trust.at);
  if (!model) {
    say(out, "policy: refused (" + common::error_name(model.error()) + ")\n");
    return model.error();
  }
  say(out, std::string("policy: passed (model ") +
               (model->attested ? "attested by its metadata roots"
                                : "not attested") +
               ")\n");
  return {};
}

int verify_registration_file(const nlohmann::json& json,
                             const checked_context& ctx,
                             const trust_context& trust, std::FILE* out) {
  const auto response = webauthn::parse_registration_response(json);
  if (!response)
    return verdict(out, response.error());
  if (const auto object =
          webauthn::parse_attestation_object(response->attestation_object)) {
    say(out, "format: " + object->fmt + "\n");
    describe_data(out, object->auth_data);
  }
  webauthn::registration_expectation expect;
  expect.rp = &ctx.rp;
  expect.challenge = ctx.challenge;
  expect.uv = ctx.uv;
  expect.algorithms.assign(std::begin(webauthn::kSupportedAlgorithms),
                           std::end(webauthn::kSupportedAlgorithms));
  expect.trust = &trust.roots;
  expect.now = ctx.at;
  // The policy runs apart from the ceremony, so that the facts are
  // printed even when the policy refuses them.
  const auto result = webauthn::verify_registration(*response, expect);
  if (!result)
    return verdict(out, result.error());
  describe_trust(out, *result);
  return verdict(out, judge_policy(out, *result, trust));
}

int verify_assertion_file(const nlohmann::json& json,
                          const checked_context& ctx, const verify_options& o,
                          std::FILE* out, std::FILE* err) {
  const auto key = common::base64url_decode(o.public_key);
  if (o.public_key.empty() || !key) {
    say(err,
        "latchkey verify: --public-key needs the stored COSE key, "
        "in base64url\n");
    return 2;
  }
  const auto response = webauthn::parse_authentication_response(json);
  if (!response)
    return verdict(out, response.error());
  describe_data(out, response->authenticator_data);
  if (const auto stored_key = webauthn::parse_cose_key(*key)) {
    say(out, "algorithm: " +
                 std::string(webauthn::to_string(stored_key->algorithm)) +
                 "\n");
  }
  const auto data =
      webauthn::parse_authenticator_data(response->authenticator_data);

  // Offline there is no account to check ownership against, nor a stored
  // backup eligibility: the response's own values stand in for them.
  webauthn::stored_credential stored;
  stored.id = response->id;
  stored.public_key = *key;
  stored.sign_count = static_cast<std::uint32_t>(o.counter);
  stored.user_handle = response->user_handle.value_or(common::bytes{});
  stored.backup_eligible = data && data->flags.backup_eligible;
  stored.backup_state = data && data->flags.backup_state;
  webauthn::authentication_expectation expect;
  expect.rp = &ctx.rp;
  expect.challenge = ctx.challenge;
  expect.uv = ctx.uv;
  expect.user_handle = stored.user_handle;
  const auto result =
      webauthn::verify_authentication(*response, stored, expect);
  if (!result)
    return verdict(out, result.error());
  return verdict(out, {});
}

// Fills `trust` from the flags; false (after saying why) on bad usage.
bool load_trust(const verify_options& o, trust_context& trust, std::FILE* out,
                std::FILE* err) {
  webauthn::trust_options options;
  options.refuse_sha1 = o.refuse_sha1;
  trust.roots.set_options(options);
  std::optional<std::string> problem;
  if (!o.roots.empty()) {
    problem = load_roots(o.roots, trust.roots);
    if (problem)
      problem = "--roots: " + *problem;
  }
  if (!problem && !o.metadata.empty()) {
    problem = load_metadata(
        o.metadata, trust.roots, trust.at, trust.metadata,
        [out](const std::string& note) { say(out, note + "\n"); });
    if (problem)
      problem = "--metadata: " + *problem;
  }
  auto& policy = trust.policy;
  if (!problem)
    problem = read_models(o.allowed_models, policy.allowed_models);
  if (!problem)
    problem = read_models(o.denied_models, policy.denied_models);
  if (problem) {
    say(err, "latchkey verify: " + *problem + "\n");
    return false;
  }
  policy.require_trusted_attestation = o.require_trusted;
  policy.allow_synced = !o.refuse_synced;
  if (o.require_uv)
    policy.uv = webauthn::user_verification::required;
  return true;
}

}  // namespace

int run_verify(std::span<const std::string_view> args, std::FILE* out,
               std::FILE* err) {
  verify_options o;
  auto options = make_options(o);
  if (args.size() < 2 || args[0] == "--help" ||
      (args[0] != "registration" && args[0] != "assertion")) {
    say(args.empty() || args[0] != "--help" ? err : out,
        std::string(kUsage) + options.help());
    return args.size() == 1 && args[0] == "--help" ? 0 : 2;
  }
  // Flags only: a verification must not depend on the server's variables.
  if (auto parsed = options.parse(args.subspan(2), {}); !parsed) {
    say(err, "latchkey verify: " + parsed.error().message() + "\n");
    return 2;
  }
  const auto file = read_input(std::string(args[1]), err);
  if (!file)
    return 2;
  take_defaults(o, file->context);
  if (o.rp_id.empty() || o.origins.empty()) {
    say(err, "latchkey verify: --rp-id and --origin are needed\n");
    return 2;
  }
  checked_context ctx;
  ctx.rp = {o.rp_id, o.origins, o.allow_cross_origin, o.top_origins};
  if (o.require_uv)
    ctx.uv = webauthn::user_verification::required;
  const auto at = o.at.empty() ? std::optional(std::chrono::system_clock::now())
                               : common::parse_time(o.at);
  if (!at) {
    say(err,
        "latchkey verify: --at: expected 2025-01-01T00:00:00Z or Unix "
        "seconds\n");
    return 2;
  }
  ctx.at = *at;
  const auto client_json =
      common::base64url_decode(client_data_text(file->credential));
  auto challenge =
      expected_challenge(o, client_json ? *client_json : common::bytes{}, out);
  if (!challenge) {
    say(err, "latchkey verify: --challenge: not base64url\n");
    return 2;
  }
  ctx.challenge = std::move(*challenge);
  trust_context trust;
  trust.at = ctx.at;
  if (!load_trust(o, trust, out, err))
    return 2;
  if (args[0] == "registration") {
    return verify_registration_file(file->credential, ctx, trust, out);
  }
  return verify_assertion_file(file->credential, ctx, o, out, err);
}

}  // namespace server
