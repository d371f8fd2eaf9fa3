#include "server/webauthn_flows.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "server/metrics.hpp"
#include "webauthn/authentication.hpp"
#include "webauthn/metadata.hpp"

#include <algorithm>

namespace server {
namespace {

using nlohmann::json;

json ids_json(const std::vector<common::bytes>& ids) {
  json out = json::array();
  for (const auto& id : ids)
    out.push_back(common::base64url_encode(id));
  return out;
}

std::vector<common::bytes> ids_from(const json& context, const char* name) {
  std::vector<common::bytes> out;
  const auto found = context.find(name);
  if (found == context.end() || !found->is_array())
    return out;
  for (const auto& id : *found) {
    if (!id.is_string())
      continue;
    if (auto bytes = common::base64url_decode(id.get<std::string>()))
      out.push_back(std::move(*bytes));
  }
  return out;
}

std::optional<common::bytes> bytes_from(const json& context, const char* name) {
  const auto found = context.find(name);
  if (found == context.end() || !found->is_string())
    return std::nullopt;
  auto bytes = common::base64url_decode(found->get<std::string>());
  if (!bytes)
    return std::nullopt;
  return std::move(*bytes);
}

webauthn::user_verification uv_from(std::string_view text) {
  if (text == "required")
    return webauthn::user_verification::required;
  if (text == "discouraged")
    return webauthn::user_verification::discouraged;
  return webauthn::user_verification::preferred;
}

// Credential ids for a name with no credentials: stable across calls and
// nodes (a keyed hash of the name), of the lengths and transports real
// ones have, so that the options do not tell whether the account exists.
std::vector<webauthn::credential_descriptor> made_up_credentials(
    const common::bytes& key, std::string_view username) {
  const std::string label = "made-up-credentials:" + std::string(username);
  const auto seed = common::hmac_sha256(key, common::as_bytes(label));
  static const std::vector<std::string> kTransports[] = {
      {"usb"}, {"usb", "nfc"}, {"internal", "hybrid"}, {"hybrid", "internal"}};
  std::vector<webauthn::credential_descriptor> out;
  const std::size_t count = 1 + seed[0] % 2;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t length = 16 * (1 + seed[1 + i] % 4);
    common::bytes id;
    for (std::uint8_t block = 0; id.size() < length; ++block) {
      const std::string part =
          label + "#" + std::to_string(i) + "." + std::to_string(block);
      const auto more = common::hmac_sha256(key, common::as_bytes(part));
      id.insert(id.end(), more.begin(), more.end());
    }
    id.resize(length);
    out.push_back({std::move(id), kTransports[seed[3 + i] % 4]});
  }
  return out;
}

api_failure refused(api_error code, const boost::system::error_code& ec) {
  api_failure failure(code);
  failure.reason = common::error_name(ec);
  if (code == api_error::registration_refused ||
      code == api_error::credential_malformed)
    failure.detail = ec.message();
  return failure;
}

void count_ceremony(services& s, storage::ceremony_kind kind) {
  static constexpr std::pair<storage::ceremony_kind, const char*> kNames[] = {
      {storage::ceremony_kind::sign_up, "sign_up"},
      {storage::ceremony_kind::sign_in, "sign_in"},
      {storage::ceremony_kind::add_credential, "add_credential"},
      {storage::ceremony_kind::step_up, "step_up"},
      {storage::ceremony_kind::conformance_registration,
       "conformance_registration"},
      {storage::ceremony_kind::conformance_authentication,
       "conformance_authentication"}};
  if (s.stats == nullptr)
    return;
  for (const auto& [k, name] : kNames) {
    if (k == kind)
      s.stats->add("latchkey_ceremonies_total", {{"kind", name}});
  }
}

api_failure sign_in_failure(std::string reason) {
  api_failure failure(api_error::sign_in_failed);
  failure.reason = std::move(reason);
  return failure;
}

}  // namespace

std::vector<webauthn::credential_descriptor> descriptors_of(
    const std::vector<storage::credential>& credentials) {
  std::vector<webauthn::credential_descriptor> out;
  for (const auto& c : credentials)
    out.push_back({c.id, c.transports});
  return out;
}

api_result<ceremony_started> begin_registration(services& s,
                                                storage::store& store,
                                                const registration_begin& b) {
  webauthn::creation_options_input input;
  input.rp = &s.rp;
  input.rp_name = s.config.rp_name;
  input.user = b.entity;
  input.timeout = s.config.ceremony_timeout;
  input.exclude = b.exclude;
  input.resident_key = b.resident_key;
  input.uv = b.uv;
  input.attachment = b.attachment;
  input.attestation = b.attestation;
  auto options = webauthn::make_creation_options(input);
  if (!options)
    return refused(api_error::internal, options.error());

  json algorithms = json::array();
  for (const auto alg : options->algorithms)
    algorithms.push_back(static_cast<int>(alg));
  ceremony_begin begin;
  begin.kind = b.kind;
  begin.user = b.user;
  begin.session_hash = b.session_hash;
  begin.challenge = options->challenge;
  begin.uv = options->uv;
  begin.context = b.extra_context;
  begin.context["handle"] = common::base64url_encode(options->user_handle);
  begin.context["algorithms"] = std::move(algorithms);
  auto handle = begin_ceremony(store, begin, s.config, s.clock.now());
  if (!handle)
    return handle.error();
  count_ceremony(s, b.kind);
  return ceremony_started{std::move(*handle), std::move(options->json)};
}

api_result<webauthn::new_credential> verify_new_credential(
    services& s, storage::store& store, const storage::ceremony& ceremony,
    const json& credential, webauthn::credential_json_form form) {
  const auto parsed = webauthn::parse_registration_response(credential, form);
  if (!parsed)
    return refused(api_error::credential_malformed, parsed.error());
  const json context = ceremony_context(ceremony);

  webauthn::registration_expectation expect;
  expect.rp = &s.rp;
  expect.challenge = ceremony.challenge;
  expect.uv = uv_from(ceremony.user_verification);
  if (const auto algs = context.find("algorithms");
      algs != context.end() && algs->is_array()) {
    for (const auto& alg : *algs) {
      if (alg.is_number_integer())
        expect.algorithms.push_back(
            static_cast<webauthn::cose_algorithm>(alg.get<int>()));
    }
  }
  expect.is_registered = [&store](common::byte_view id) {
    return store.find_credential(id).has_value();
  };
  expect.trust = &s.trust;
  expect.now = s.clock.now();
  expect.policy = &s.policy;
  expect.metadata = &s.metadata;
  auto verified = webauthn::verify_registration(*parsed, expect);
  if (!verified) {
    const auto code =
        verified.error() == webauthn::errc::credential_already_registered
            ? api_error::credential_already_registered
            : api_error::registration_refused;
    return refused(code, verified.error());
  }
  return std::move(*verified);
}

storage::credential credential_row(const webauthn::new_credential& c,
                                   storage::user_id user,
                                   common::time_point now) {
  storage::credential row;
  row.id = c.id;
  row.user = user;
  row.public_key = c.public_key;
  row.algorithm = static_cast<int>(c.algorithm);
  row.sign_count = c.sign_count;
  row.transports = c.transports;
  row.aaguid.assign(c.authenticator_model.begin(), c.authenticator_model.end());
  row.attestation_format = c.format;
  row.attestation_type = std::string(webauthn::to_string(c.type));
  row.attestation_trusted = c.trust.trusted;
  row.attestation_object = c.attestation_object;
  row.backup_eligible = c.backup_eligible;
  row.backup_state = c.backup_state;
  row.uv_initialized = c.user_verified;
  // A model name only when the attestation proves it; a claimed AAGUID
  // would let any key call itself anything.
  row.nickname = c.model.attested && !c.model.description.empty()
                     ? c.model.description
                 : c.backup_eligible ? std::string("Passkey")
                                     : std::string("Security key");
  row.created_at = now;
  return row;
}

namespace {

// The options and the ceremony row of a sign-in, from what the store read
// of the user (not_found: no such user, or none asked for).
api_result<std::pair<new_ceremony, json>> sign_in_ceremony(
    services& s, const sign_in_begin& b,
    const storage::result<storage::user_credentials>& found) {
  webauthn::request_options_input input;
  input.rp = &s.rp;
  input.timeout = s.config.ceremony_timeout;
  input.uv = b.uv;
  const storage::user* user = nullptr;
  if (found) {
    user = &found->owner;
    input.allow = descriptors_of(found->credentials);
    input.user_handle = user->handle;
  } else if (found.error() != storage::errc::not_found) {
    return api_failure(api_error::internal);
  } else if (b.known_user) {
    return api_failure(api_error::not_signed_in);
  }
  if (b.username && input.allow.empty()) {
    if (b.refuse_unknown) {
      return api_failure(api_error::member_invalid,
                         "No credentials are registered for this user.");
    }
    input.allow = made_up_credentials(s.enumeration_key, *b.username);
    input.user_handle.reset();
  }
  auto options = webauthn::make_request_options(input);
  if (!options)
    return refused(api_error::internal, options.error());

  ceremony_begin begin;
  begin.kind = b.kind;
  begin.session_hash = b.session_hash;
  begin.challenge = options->challenge;
  begin.uv = options->uv;
  if (user && !input.allow.empty() && input.user_handle) {
    begin.user = user->id;
    begin.context["user_handle"] = common::base64url_encode(user->handle);
  }
  begin.context["allow"] = ids_json(options->allowed_credentials);
  auto made = make_ceremony(begin, s.config, s.clock.now());
  if (!made)
    return made.error();
  return std::pair{std::move(*made), std::move(options->json)};
}

}  // namespace

api_result<ceremony_started> begin_sign_in(services& s, storage::store& store,
                                           const sign_in_begin& b) {
  // The read of the user and the write of the ceremony share one
  // transaction; a refusal decided from the read reaches the caller
  // through `refusal`, since the store only carries its own errors.
  std::optional<api_failure> refusal;
  std::optional<std::pair<new_ceremony, json>> made;
  const auto make = [&](const storage::result<storage::user_credentials>& found)
      -> storage::result<storage::ceremony> {
    auto built = sign_in_ceremony(s, b, found);
    if (!built) {
      refusal = built.error();
      return storage::make_error_code(storage::errc::not_found);
    }
    made = std::move(*built);
    return made->first.row;
  };
  storage::result<void> stored;
  if (b.known_user) {
    stored = store.put_sign_in_ceremony(*b.known_user, make);
  } else if (b.username) {
    stored = store.put_sign_in_ceremony(*b.username, make);
  } else {
    // Usernameless: nothing to read, only the ceremony to store.
    auto row = make(storage::make_error_code(storage::errc::not_found));
    stored =
        row ? store.put_ceremony(*row) : storage::result<void>(row.error());
  }
  if (refusal)
    return *refusal;
  if (!stored || !made)
    return api_failure(api_error::internal);
  count_ceremony(s, b.kind);
  return ceremony_started{std::move(made->first.handle),
                          std::move(made->second)};
}

namespace {

api_result<signed_in> verify_sign_in(services& s, storage::store& store,
                                     const held_sign_in& held,
                                     const parsed_assertion& parsed,
                                     std::string_view address,
                                     const sign_in_writer& writes) {
  const storage::ceremony& ceremony = held.ceremony;
  if (!parsed)
    return refused(api_error::credential_malformed, parsed.error());
  const auto& owned = held.owned;
  if (!owned) {
    return sign_in_failure(owned.error() == storage::errc::not_found
                               ? "unknown_credential"
                               : "store_failed");
  }
  const auto& stored = owned->key;
  const auto& user = owned->owner;
  if (user.disabled)
    return sign_in_failure("user_disabled");
  if (ceremony.user && *ceremony.user != user.id)
    return sign_in_failure("credential_of_another_user");

  const json context = ceremony_context(ceremony);
  webauthn::authentication_expectation expect;
  expect.rp = &s.rp;
  expect.challenge = ceremony.challenge;
  expect.uv = uv_from(ceremony.user_verification);
  expect.allowed_credentials = ids_from(context, "allow");
  expect.user_handle = bytes_from(context, "user_handle");
  webauthn::stored_credential known;
  known.id = stored.id;
  known.public_key = stored.public_key;
  known.sign_count = stored.sign_count;
  known.backup_eligible = stored.backup_eligible;
  known.backup_state = stored.backup_state;
  known.user_handle = user.handle;
  const auto now = s.clock.now();
  auto result = webauthn::verify_authentication(*parsed, known, expect);
  const auto flag_clone = [&](std::string_view why) {
    (void)store.flag_possibly_cloned(stored.id);
    (void)store.delete_sessions(user.id, {});
    storage::audit_event event;
    event.at = now;
    event.user = user.id;
    event.event = "credential_possibly_cloned";
    event.outcome = "flagged";
    event.address = std::string(address);
    event.detail = json({{"credential", common::base64url_encode(stored.id)},
                         {"why", why}})
                       .dump();
    (void)store.append_audit(event);
    s.log.warn("credential_possibly_cloned",
               {{"user", user.id}, {"why", std::string(why)}});
  };
  if (!result) {
    if (result.error() == webauthn::errc::counter_not_increased)
      flag_clone("counter_not_increased");
    return sign_in_failure(common::error_name(result.error()));
  }
  if (stored.suspended) {
    api_failure failure(
        api_error::credential_suspended,
        stored.suspended_reason.empty()
            ? std::string("This credential is suspended.")
            : "This credential is suspended: " + stored.suspended_reason);
    failure.reason = "credential_suspended";
    return failure;
  }
  signed_in in{user, stored, *result};
  in.credential.sign_count = result->sign_count;
  in.credential.backup_state = result->backup_state;
  in.credential.last_used_at = now;
  auto extra = writes ? writes(in) : sign_in_writes{};
  const storage::store::sign_in_commit commit{
      stored.id,
      {result->sign_count, result->backup_state, now},
      std::move(extra.session),
      std::move(extra.ended_session),
      std::move(extra.audit),
      ceremony.handle_hash};
  if (auto recorded = store.commit_sign_in(commit); !recorded) {
    if (recorded.error() == storage::errc::counter_regressed) {
      flag_clone("counter_regressed");
      return sign_in_failure("counter_regressed");
    }
    // Another result for the same ceremony committed first.
    if (recorded.error() == storage::errc::already_used)
      return sign_in_failure("ceremony_already_used");
    return sign_in_failure("store_failed");
  }
  if (s.stats != nullptr) {
    s.stats->add("latchkey_sign_ins_total",
                 {{"method", "passkey"}, {"outcome", "ok"}});
  }
  return in;
}

}  // namespace

api_result<signed_in> finish_sign_in(services& s, storage::store& store,
                                     const held_sign_in& held,
                                     const parsed_assertion& parsed,
                                     std::string_view address,
                                     const sign_in_writer& writes) {
  auto in = verify_sign_in(s, store, held, parsed, address, writes);
  // A refused result spends its ceremony as surely as an accepted one,
  // whose commit took it: no second try at the same challenge.
  if (!in)
    (void)store.take_ceremony(held.ceremony.handle_hash, s.clock.now());
  return in;
}

common::byte_view credential_id_of(const parsed_assertion& parsed) {
  return parsed ? common::byte_view(parsed->id) : common::byte_view();
}

}  // namespace server
