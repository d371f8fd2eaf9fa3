#include "server/app.hpp"

#include "common/crypto.hpp"
#include "server/account_admin.hpp"
#include "server/account_routes.hpp"
#include "server/admin_routes.hpp"
#include "server/conformance_routes.hpp"
#include "server/embedded_assets.hpp"
#include "server/factor_routes.hpp"
#include "server/http_server.hpp"
#include "server/metrics.hpp"
#include "server/password_routes.hpp"
#include "server/passwords.hpp"
#include "server/responses.hpp"
#include "server/state.hpp"
#include "server/trust_files.hpp"
#include "server/worker_pool.hpp"
#include "storage/password.hpp"
#include "storage/sqlite_store.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace server {
namespace {

std::string_view openapi_document() {
  for (const auto& doc : api_documents()) {
    if (doc.path == "/openapi.json")
      return doc.body;
  }
  return "{}";
}

// The related origins document (WebAuthn Level 3, section 5.11.1): the
// origins that may use credentials of this RP ID.
response well_known_webauthn(const request& req, const settings& config) {
  nlohmann::json origins = nlohmann::json::array();
  for (const auto& o : config.origins)
    origins.push_back(o);
  for (const auto& o : config.related_origins)
    origins.push_back(o);
  auto res =
      json_response(http::status::ok,
                    nlohmann::json{{"origins", origins}}.dump(), req.version());
  res.set(http::field::cache_control, "max-age=300");
  return res;
}

}  // namespace

router make_router(const static_files& pages, services& shared) {
  router routes;
  routes.add(http::verb::get, "/healthz",
             [](const request& req, request_context&) {
               auto res = json_response(http::status::ok, R"({"status":"ok"})",
                                        req.version());
               res.set(http::field::cache_control, "no-store");
               return res;
             });
  routes.add(http::verb::get, "/.well-known/webauthn",
             [&shared](const request& req, request_context&) {
               return well_known_webauthn(req, shared.config);
             });
  routes.add(http::verb::get, "/api/v1/openapi.json",
             [](const request& req, request_context&) {
               auto res = json_response(http::status::ok,
                                        std::string(openapi_document()),
                                        req.version());
               res.set(http::field::cache_control, "no-cache");
               return res;
             });
  add_account_routes(routes, shared);
  add_password_routes(routes, shared);
  add_factor_routes(routes, shared);
  if (shared.conformance_store != nullptr)
    add_conformance_routes(routes, shared);
  routes.set_fallback([&pages](const request& req, request_context&) {
    return pages.serve(req);
  });
  return routes;
}

namespace {

boost::system::result<static_files, std::string> load_pages(
    const settings& config) {
  if (config.web_root.empty())
    return static_files::built_in();
  return static_files::load(config.web_root);
}

// Attestation roots, metadata and the registration policy, from the
// settings. Gives a sentence for the operator when a file is wrong.
std::optional<std::string> load_trust(services& s, const common::logger& log) {
  webauthn::trust_options options;
  options.refuse_sha1 = s.config.refuse_sha1;
  s.trust.set_options(options);
  if (!s.config.attestation_roots.empty()) {
    if (auto problem = load_roots(s.config.attestation_roots, s.trust))
      return "attestation-roots: " + *problem;
  }
  if (!s.config.metadata.empty()) {
    webauthn::trust_store blob_roots;
    if (!s.config.metadata_roots.empty()) {
      if (auto problem = load_roots(s.config.metadata_roots, blob_roots))
        return "metadata-roots: " + *problem;
    }
    if (auto problem = load_metadata(s.config.metadata, blob_roots,
                                     s.clock.now(), s.metadata,
                                     [&log](const std::string& note) {
                                       log.info("metadata", {{"note", note}});
                                     },
                                     {s.config.metadata_signer}))
      return "metadata: " + *problem;
  }
  auto& policy = s.policy;
  policy.uv = s.config.uv;
  policy.require_trusted_attestation = s.config.require_trusted_attestation;
  policy.allow_synced = !s.config.refuse_synced;
  policy.allowed_models = s.config.allowed_models;
  policy.denied_models = s.config.denied_models;
  return std::nullopt;
}

// The key behind made-up credential ids: the first node to start creates
// it, and every node reads the same one.
std::optional<std::string> load_enumeration_key(services& s) {
  auto candidate = common::random_bytes(32);
  if (!candidate)
    return "cannot draw random bytes";
  auto key = s.store.put_value_if_absent("enumeration-key", *candidate);
  if (!key)
    return "database " + s.config.database + ": " + key.error().message();
  s.enumeration_key = std::move(*key);
  return std::nullopt;
}

void describe_metrics(metrics& m) {
  m.describe("latchkey_api_requests_total",
             "Account API requests by route and answer code (ok, or the "
             "problem code).",
             "counter");
  m.describe("latchkey_refusals_total",
             "Refused account API requests by route and precise reason.",
             "counter");
  m.describe("latchkey_request_seconds",
             "Time to answer an account API request, by route.", "histogram");
  m.describe("latchkey_sign_ins_total",
             "Sign-in steps by method (passkey, password, totp, "
             "recovery-code) and outcome.",
             "counter");
  m.describe("latchkey_ceremonies_total", "WebAuthn ceremonies begun, by kind.",
             "counter");
  m.describe("latchkey_guess_failures_total",
             "Failed guesses of passwords and codes across every account, by "
             "factor: a rise shows password spraying.",
             "counter");
  m.describe("latchkey_rate_limited_total",
             "Requests refused by a limit, by limit.", "counter");
}

// The breached-password list, the dummy password hash that unknown users
// are checked against, and the recovery-code hasher.
std::optional<std::string> load_factors(
    services& s, std::optional<breach_list>& breached,
    const boost::system::result<totp::argon2id_hasher>& recovery) {
  if (!s.config.breached_passwords.empty()) {
    auto list = breach_list::load(s.config.breached_passwords);
    if (!list)
      return "breached-passwords: " + list.error();
    breached.emplace(std::move(*list));
    s.breached = &*breached;
  }
  std::string nothing = "no password matches this";
  auto dummy = storage::hash_password(
      nothing, {static_cast<std::uint32_t>(s.config.password_memory_kib),
                static_cast<std::uint32_t>(s.config.password_passes), 1});
  if (!dummy)
    return "cannot hash a password: " + dummy.error().message();
  s.dummy_password_hash = std::move(*dummy);
  if (!recovery)
    return "cannot make the recovery-code hasher: " +
           recovery.error().message();
  s.recovery = &*recovery;
  return std::nullopt;
}

// Expired ceremonies and sessions go once a minute.
// Expired rows go every minute. Old audit addresses go at start and then
// hourly: that update reads the whole audit table, and an hour more of
// keeping them is well inside any retention an operator would set.
void schedule_sweep(asio::steady_timer& timer, services& s, int minute = 0) {
  timer.expires_after(std::chrono::minutes(1));
  timer.async_wait([&timer, &s, minute](boost::system::error_code ec) {
    if (ec)
      return;
    const auto now = s.clock.now();
    if (auto swept = s.store.sweep(now); swept && *swept > 0)
      s.log.debug("swept", {{"rows", static_cast<std::uint64_t>(*swept)}});
    if (s.conformance_store != nullptr)
      (void)s.conformance_store->sweep(now);
    const int next = (minute + 1) % 60;
    if (next == 0)
      apply_audit_retention(s);
    schedule_sweep(timer, s, next);
  });
}

}  // namespace

int serve(const settings& config, const common::logger& log) {
  auto pages = load_pages(config);
  if (!pages) {
    log.error("start_failed", {{"reason", pages.error()}});
    return 1;
  }
  auto state = open_state(config);
  if (!state) {
    log.error("start_failed", {{"reason", state.error()}});
    return 1;
  }
  std::unique_ptr<storage::store> conformance;
  if (config.conformance_api) {
    storage::sqlite_options options;
    options.path = config.conformance_database;
    auto opened = storage::open_sqlite_store(options);
    if (!opened) {
      log.error("start_failed", {{"reason", opened.error().message}});
      return 1;
    }
    conformance = std::move(*opened);
    log.warn("conformance_api_on", {{"database", config.conformance_database}});
  }
  const common::system_clock clock;
  services shared{
      config,
      *state->store,
      *state->keys,
      clock,
      log,
      webauthn::relying_party{config.rp_id, config.origins, false, {}},
      {},
      {},
      {},
      session_manager(*state->store, config),
      {},
      conformance.get()};
  metrics stats;
  describe_metrics(stats);
  shared.stats = &stats;
  worker_pool hashes(config.hash_threads, config.hash_queue);
  shared.hashes = &hashes;
  std::optional<breach_list> breached;
  auto recovery = totp::argon2id_hasher::make();
  if (auto problem = load_factors(shared, breached, recovery)) {
    log.error("start_failed", {{"reason", *problem}});
    return 1;
  }
  if (auto problem = load_trust(shared, log)) {
    log.error("start_failed", {{"reason", *problem}});
    return 1;
  }
  if (auto problem = load_enumeration_key(shared)) {
    log.error("start_failed", {{"reason", *problem}});
    return 1;
  }
  // Before the listeners bind, so that a server seen serving has applied it.
  apply_audit_retention(shared);
  router routes = make_router(*pages, shared);
  routes.set_pool(&hashes);
  router admin_routes = make_admin_router(shared);
  admin_routes.set_pool(&hashes);
  const auto threads = static_cast<int>(config.threads);
  asio::io_context ioc(threads);
  http_server http(ioc, config, routes, log);
  // The admin listener: its own address, never TLS (loopback, or a network
  // the operator controls), the same limits otherwise.
  settings admin_config = config;
  admin_config.tls_cert.clear();
  admin_config.tls_key.clear();
  if (config.admin_address)
    admin_config.address = *config.admin_address;
  std::optional<http_server> admin;
  if (config.admin_address)
    admin.emplace(ioc, admin_config, admin_routes, log);
  asio::steady_timer sweeper(ioc);
  schedule_sweep(sweeper, shared);

  // The signal wait keeps run() from returning until both listeners have
  // let go of their last connection; then it is cancelled and run() ends.
  auto signal_strand = asio::make_strand(ioc);
  asio::signal_set signals(signal_strand, SIGINT, SIGTERM);
  int running = admin ? 2 : 1;
  const auto stopped = [&] {
    asio::post(signal_strand, [&] {
      if (--running == 0) {
        signals.cancel();
        sweeper.cancel();
      }
    });
  };
  http.on_stopped(stopped);
  if (admin)
    admin->on_stopped(stopped);
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec)
      return;
    log.info("shutting_down", {{"signal", signal}});
    http.shutdown();
    if (admin)
      admin->shutdown();
  });

  if (auto problem = http.load_tls()) {
    log.error("start_failed", {{"reason", *problem}});
    return 1;
  }
  const auto bound = http.start();
  if (!bound) {
    log.error("start_failed", {{"reason", "cannot listen on " + config.listen +
                                              ": " + bound.error().message()}});
    return 1;
  }
  if (admin) {
    const auto admin_bound = admin->start();
    if (!admin_bound) {
      log.error("start_failed",
                {{"reason", "cannot listen on " + config.admin_listen + ": " +
                                admin_bound.error().message()}});
      return 1;
    }
    log.info("admin_listening",
             {{"address", admin_bound->address().to_string()},
              {"port", static_cast<unsigned>(admin_bound->port())}});
  }
  log.info("listening", {{"address", bound->address().to_string()},
                         {"port", static_cast<unsigned>(bound->port())},
                         {"threads", threads},
                         {"pages", static_cast<std::uint64_t>(pages->size())}});
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i)
    pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool)
    t.join();
  log.info("stopped");
  return 0;
}

}  // namespace server
