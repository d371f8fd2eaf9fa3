// latchkey_loadgen: full passkey sign-ins against an HTTP server for a
// fixed time, with the figures a reader needs to compare two servers on
// one machine: sign-ins per second, latency percentiles, errors, and the
// CPU time each side spent per sign-in.
//
// Virtual clients are coroutines; with the default single thread the
// generator takes one core at most and leaves the other to the server.
// Each client owns its connection, its cookies and its users, so no state
// is shared between threads except the error logs. See --help, and
// run_load.sh beside this file for a side-by-side run.
#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "tests/bench/loadgen_api.hpp"
#include "tests/bench/loadgen_http.hpp"
#include "tests/bench/loadgen_options.hpp"
#include "tests/bench/loadgen_proc.hpp"
#include "tests/support/soft_authenticator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace loadgen {
namespace {

using clock_type = std::chrono::steady_clock;
using error_code = boost::system::error_code;

// After a request that got no answer, a client waits this long before the
// next one, so that a server that went away is not hammered with connects.
constexpr auto kRetryPause = std::chrono::milliseconds(50);

// The error answers of one phase: how many, and the first few distinct
// ones with their counts. The threads share it; errors are rare enough for
// the lock not to matter.
class error_log {
 public:
  void add(std::string what) {
    const std::lock_guard lock(mutex_);
    ++total_;
    const auto it =
        std::find_if(first_.begin(), first_.end(),
                     [&](const auto& e) { return e.first == what; });
    if (it != first_.end()) {
      ++it->second;
    } else if (first_.size() < kDistinctKept) {
      first_.emplace_back(std::move(what), 1);
    }
  }

  std::uint64_t total() const {
    const std::lock_guard lock(mutex_);
    return total_;
  }

  void print(const char* phase) const {
    const std::lock_guard lock(mutex_);
    for (const auto& [what, count] : first_) {
      std::printf("%s error (%llux): %s\n", phase,
                  static_cast<unsigned long long>(count), what.c_str());
    }
  }

 private:
  static constexpr std::size_t kDistinctKept = 5;
  mutable std::mutex mutex_;
  std::uint64_t total_ = 0;
  std::vector<std::pair<std::string, std::uint64_t>> first_;
};

struct virtual_user {
  user_name name;
  std::optional<test_support::credential> credential;  // once registered
};

struct client_figures {
  std::uint64_t registered = 0;
  std::uint64_t sign_ins = 0;
  std::vector<std::uint32_t> latencies_us;  // of the successful sign-ins
};

asio::awaitable<void> pause(std::chrono::milliseconds how_long) {
  asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
  co_await timer.async_wait(asio::use_awaitable);
}

// One browser: a connection, its cookies, and its share of the users.
class virtual_client {
 public:
  virtual_client(asio::any_io_executor executor, const target& where,
                 const api& dialect, const options& settings,
                 std::vector<virtual_user> users, std::uint64_t seed)
      : executor_(executor),
        http_(std::move(executor), where),
        api_(dialect),
        settings_(settings),
        users_(std::move(users)),
        random_(seed) {}

  const asio::any_io_executor& executor() const { return executor_; }
  const client_figures& figures() const { return figures_; }

  const error_code& connect_error() const { return connect_error_; }

  // The first connection, retried until `give_up` for a server that is
  // still starting.
  asio::awaitable<void> connect(clock_type::time_point give_up) {
    for (;;) {
      connect_error_ = co_await http_.connect();
      if (!connect_error_ || clock_type::now() >= give_up)
        co_return;
      co_await pause(kRetryPause);
    }
  }

  asio::awaitable<void> register_users(error_log& errors) {
    for (std::size_t i = 0; i < users_.size(); ++i) {
      if (auto done = co_await sign_up(users_[i]); done) {
        ++figures_.registered;
        registered_.push_back(i);
      } else {
        co_await note_error(errors, std::move(done.error().what));
      }
    }
  }

  asio::awaitable<void> sign_in_until(clock_type::time_point deadline,
                                      error_log& errors) {
    if (registered_.empty())
      co_return;
    std::uniform_int_distribution<std::size_t> pick(0, registered_.size() - 1);
    while (clock_type::now() < deadline) {
      virtual_user& user = users_[registered_[pick(random_)]];
      const auto start = clock_type::now();
      if (auto done = co_await sign_in(user); done) {
        const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
            clock_type::now() - start);
        ++figures_.sign_ins;
        figures_.latencies_us.push_back(
            static_cast<std::uint32_t>(std::min<std::int64_t>(
                took.count(), std::numeric_limits<std::uint32_t>::max())));
      } else {
        co_await note_error(errors, std::move(done.error().what));
      }
    }
  }

 private:
  asio::awaitable<void> note_error(error_log& errors, std::string what) {
    errors.add(std::move(what));
    if (!http_.is_open())
      co_await pause(kRetryPause);
  }

  asio::awaitable<outcome<challenge>> fetch_options(ceremony kind,
                                                    const user_name& user) {
    const request req = api_.options_request(kind, user);
    const answer got = co_await http_.post(req.path, req.body);
    auto options = api_.read_options(kind, got);
    if (!options)
      co_return failure{"POST " + req.path + ": " + options.error().what};
    co_return options;
  }

  asio::awaitable<outcome<void>> send_result(ceremony kind,
                                             const challenge& options,
                                             const nlohmann::json& response) {
    const request req = api_.result_request(kind, options, response);
    const answer got = co_await http_.post(req.path, req.body);
    if (auto checked = api_.check_result(kind, got); !checked)
      co_return failure{"POST " + req.path + ": " + checked.error().what};
    co_return outcome<void>{};
  }

  asio::awaitable<outcome<void>> sign_up(virtual_user& user) {
    auto options = co_await fetch_options(ceremony::sign_up, user.name);
    if (!options)
      co_return options.error();
    test_support::registration_options made;
    made.rp_id = options->rp_id.value_or(origin_host(settings_.origin));
    made.origin = settings_.origin;
    made.challenge = options->bytes;
    made.user_handle = options->user_handle;
    const auto reg = test_support::make_registration(made);
    auto sent =
        co_await send_result(ceremony::sign_up, *options, reg.to_json());
    if (!sent)
      co_return sent;
    user.credential = reg.to_credential();
    co_return outcome<void>{};
  }

  // The authenticator counts every assertion it signs, sent or not, so
  // the counter only ever grows.
  asio::awaitable<outcome<void>> sign_in(virtual_user& user) {
    auto options = co_await fetch_options(ceremony::sign_in, user.name);
    if (!options)
      co_return options.error();
    test_support::assertion_options made;
    made.origin = settings_.origin;
    made.rp_id = options->rp_id;
    made.challenge = options->bytes;
    const auto signed_assertion =
        test_support::make_assertion(*user.credential, made);
    co_return co_await send_result(ceremony::sign_in, *options,
                                   signed_assertion.to_json());
  }

  asio::any_io_executor executor_;
  connection http_;
  const api& api_;
  const options& settings_;
  std::vector<virtual_user> users_;
  std::vector<std::size_t> registered_;  // indexes of users_ with a key
  std::mt19937_64 random_;
  client_figures figures_;
  error_code connect_error_;
};

using client_list = std::vector<std::unique_ptr<virtual_client>>;

// The io_contexts the clients run on, one per thread. A phase starts one
// coroutine per client and runs every context until all have ended, so
// the phases never overlap.
class runner {
 public:
  explicit runner(std::size_t threads) {
    for (std::size_t i = 0; i < threads; ++i)
      contexts_.push_back(std::make_unique<asio::io_context>(1));
  }

  asio::any_io_executor executor_for(std::size_t client) const {
    return contexts_[client % contexts_.size()]->get_executor();
  }

  // `phase(client)` gives the coroutine; the first exception one of them
  // throws is thrown again here once all have ended.
  template <class Phase>
  void run(const client_list& clients, const Phase& phase) {
    std::mutex mutex;
    std::exception_ptr first;
    for (const auto& c : clients) {
      asio::co_spawn(c->executor(), phase(*c), [&](std::exception_ptr e) {
        const std::lock_guard lock(mutex);
        if (e && !first)
          first = e;
      });
    }
    {
      std::vector<std::jthread> threads;
      for (std::size_t i = 1; i < contexts_.size(); ++i)
        threads.emplace_back([&io = *contexts_[i]] { io.run(); });
      contexts_[0]->run();
    }
    for (const auto& io : contexts_)
      io->restart();
    if (first)
      std::rethrow_exception(first);
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
};

std::string random_prefix() {
  const auto noise = common::random_bytes(4);
  if (!noise)
    throw std::runtime_error("no random bytes for the user prefix");
  return "loadgen-" + common::hex_encode(*noise) + "-";
}

// User i belongs to client i % clients: every client gets its share, and
// no user is ever signed in by two clients at once.
client_list make_clients(const options& o, const target& where,
                         const api& dialect, const runner& threads) {
  const std::string prefix =
      o.user_prefix.empty() ? random_prefix() : o.user_prefix;
  std::vector<std::vector<virtual_user>> shares(o.clients);
  for (std::size_t i = 0; i < o.users; ++i) {
    const std::string number = std::to_string(i);
    shares[i % o.clients].push_back(
        {{prefix + number, "Load Test User " + number}, std::nullopt});
  }
  std::random_device seeds;
  client_list clients;
  for (std::size_t i = 0; i < o.clients; ++i) {
    clients.push_back(std::make_unique<virtual_client>(
        threads.executor_for(i), where, dialect, o, std::move(shares[i]),
        (std::uint64_t{seeds()} << 32) | seeds()));
  }
  return clients;
}

std::optional<target> resolve(const options& o) {
  asio::io_context io;
  tcp::resolver resolver(io);
  error_code ec;
  const auto found = resolver.resolve(o.host, std::to_string(o.port), ec);
  if (ec) {
    std::fprintf(stderr, "latchkey_loadgen: cannot resolve %s: %s\n",
                 o.host.c_str(), ec.message().c_str());
    return std::nullopt;
  }
  target where{{}, {}, o.origin, o.timeout};
  for (const auto& entry : found)
    where.endpoints.push_back(entry.endpoint());
  const bool ipv6 = o.host.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + o.host + "]" : o.host;
  where.host_header = host + ":" + std::to_string(o.port);
  return where;
}

// What the clock and the CPU counters said at one moment.
struct sample {
  clock_type::time_point at;
  cpu_time own;
  std::optional<cpu_time> server;
};

sample take_sample(const options& o) {
  return {clock_type::now(), own_cpu_time(),
          o.server_pid ? process_cpu_time(*o.server_pid) : std::nullopt};
}

double seconds_between(const sample& from, const sample& to) {
  return std::chrono::duration<double>(to.at - from.at).count();
}

double ms_of(cpu_time t) {
  return static_cast<double>(t.count()) / 1000.0;
}

// One figure per line, "name: value unit", for grep and sed.
void figure(const char* name, double value, const char* unit = "") {
  std::printf("%s: %.3f%s%s\n", name, value, *unit ? " " : "", unit);
}

void count(const char* name, std::uint64_t value) {
  std::printf("%s: %llu\n", name, static_cast<unsigned long long>(value));
}

// CPU time over a phase, per ceremony done and as cores kept busy.
void cpu_figures(const char* who, const char* per, std::uint64_t done,
                 cpu_time spent, double wall) {
  const std::string name(who);
  figure((name + " cpu time").c_str(), ms_of(spent), "ms");
  if (done > 0) {
    figure((name + " cpu per " + per).c_str(),
           ms_of(spent) / static_cast<double>(done), "ms");
  }
  figure((name + " cores busy").c_str(), ms_of(spent) / 1000.0 / wall);
}

std::uint64_t registered_users(const client_list& clients) {
  std::uint64_t total = 0;
  for (const auto& c : clients)
    total += c->figures().registered;
  return total;
}

void report_registration(const client_list& clients, const error_log& errors,
                         const sample& from, const sample& to) {
  const double wall = seconds_between(from, to);
  const std::uint64_t done = registered_users(clients);
  count("registrations", done);
  count("registration errors", errors.total());
  figure("registration time", wall, "s");
  figure("registrations per second", static_cast<double>(done) / wall);
  if (from.server && to.server && done > 0) {
    const double spent = ms_of(*to.server - *from.server);
    figure("server cpu per registration", spent / static_cast<double>(done),
           "ms");
  }
  errors.print("registration");
}

void latency_figures(const client_list& clients) {
  std::vector<std::uint32_t> all;
  for (const auto& c : clients) {
    const auto& mine = c->figures().latencies_us;
    all.insert(all.end(), mine.begin(), mine.end());
  }
  if (all.empty())
    return;
  std::sort(all.begin(), all.end());
  // Nearest rank: the smallest latency that q of the sign-ins did not
  // exceed.
  const auto at = [&all](double q) {
    const auto rank = static_cast<std::size_t>(
        std::ceil(q * static_cast<double>(all.size())));
    return static_cast<double>(all[std::max<std::size_t>(rank, 1) - 1]) /
           1000.0;
  };
  figure("sign-in latency p50", at(0.50), "ms");
  figure("sign-in latency p90", at(0.90), "ms");
  figure("sign-in latency p99", at(0.99), "ms");
  figure("sign-in latency max", static_cast<double>(all.back()) / 1000.0, "ms");
}

void report_sign_ins(const options& o, const client_list& clients,
                     const error_log& errors, const sample& from,
                     const sample& to) {
  const double wall = seconds_between(from, to);
  std::uint64_t done = 0;
  for (const auto& c : clients)
    done += c->figures().sign_ins;
  figure("sign-in time", wall, "s");
  count("sign-ins", done);
  count("sign-in errors", errors.total());
  figure("sign-ins per second", static_cast<double>(done) / wall);
  latency_figures(clients);
  if (from.server && to.server)
    cpu_figures("server", "sign-in", done, *to.server - *from.server, wall);
  if (o.server_pid) {
    if (const auto memory = memory_of(*o.server_pid)) {
      figure("server peak memory (VmHWM)",
             static_cast<double>(memory->peak_kib) / 1024.0, "MiB");
      figure("server memory now (VmRSS)",
             static_cast<double>(memory->rss_kib) / 1024.0, "MiB");
    }
  }
  cpu_figures("loadgen", "sign-in", done, to.own - from.own, wall);
  errors.print("sign-in");
}

// Every client connects once before anything is timed, so an unreachable
// server is one clear message instead of a phase full of errors.
bool connect_all(const options& o, runner& threads,
                 const client_list& clients) {
  const auto give_up = clock_type::now() + o.connect_wait;
  threads.run(clients,
              [give_up](virtual_client& c) { return c.connect(give_up); });
  for (const auto& c : clients) {
    if (c->connect_error()) {
      std::fprintf(stderr, "latchkey_loadgen: cannot connect to %s:%u: %s\n",
                   o.host.c_str(), unsigned{o.port},
                   c->connect_error().message().c_str());
      return false;
    }
  }
  return true;
}

void print_settings(const options& o) {
  std::printf("api: %s\n",
              o.api == api_kind::latchkey ? "latchkey" : "conformance");
  std::printf("target: http://%s:%u\n", o.host.c_str(), unsigned{o.port});
  std::printf("origin: %s\n", o.origin.c_str());
  count("clients", o.clients);
  count("threads", o.threads);
  count("users", o.users);
}

int run(const options& o) {
  const auto where = resolve(o);
  if (!where)
    return 1;
  if (o.server_pid && !process_cpu_time(*o.server_pid)) {
    std::fprintf(stderr,
                 "latchkey_loadgen: --server-pid: cannot read "
                 "/proc/%d/stat\n",
                 *o.server_pid);
    return 2;
  }
  const auto dialect = make_api(o.api);
  runner threads(o.threads);
  const client_list clients = make_clients(o, *where, *dialect, threads);
  if (!connect_all(o, threads, clients))
    return 1;
  print_settings(o);
  std::fflush(stdout);

  error_log registration_errors;
  const sample registration_start = take_sample(o);
  threads.run(clients, [&registration_errors](virtual_client& c) {
    return c.register_users(registration_errors);
  });
  report_registration(clients, registration_errors, registration_start,
                      take_sample(o));
  std::fflush(stdout);
  if (registered_users(clients) == 0) {
    std::fprintf(stderr, "latchkey_loadgen: no user could register\n");
    return 1;
  }

  error_log sign_in_errors;
  const sample sign_in_start = take_sample(o);
  const auto deadline = sign_in_start.at + o.duration;
  threads.run(clients, [deadline, &sign_in_errors](virtual_client& c) {
    return c.sign_in_until(deadline, sign_in_errors);
  });
  report_sign_ins(o, clients, sign_in_errors, sign_in_start, take_sample(o));
  // Figures of a run with failures describe a server that was not doing
  // its job: say so in the exit status, not only in a printed count.
  const std::uint64_t failed =
      registration_errors.total() + sign_in_errors.total();
  if (failed > 0) {
    std::fprintf(stderr,
                 "latchkey_loadgen: %llu requests failed (listed above)\n",
                 static_cast<unsigned long long>(failed));
    return 3;
  }
  return 0;
}

}  // namespace
}  // namespace loadgen

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto parsed = loadgen::parse_options(args);
  if (!parsed) {
    std::fprintf(stderr, "latchkey_loadgen: %s\n",
                 parsed.error().message.c_str());
    return 2;
  }
  if (parsed->help) {
    const auto text = loadgen::usage_text();
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  try {
    return loadgen::run(*parsed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "latchkey_loadgen: %s\n", e.what());
    return 1;
  }
}
