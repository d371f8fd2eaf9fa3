// How fast the second-factor checks are, against what they cannot be
// faster than: a TOTP sign-in (open the stored secret with the server's
// own key ring, then check three steps) against one bare HMAC of the same size,
// and a recovery-code check (one Argon2id hash at the server cost). Prints the
// figures and their ratios after the usual table.
#include "common/crypto.hpp"
#include "common/openssl.hpp"
#include "storage/sealing.hpp"
#include "totp/otp.hpp"
#include "totp/recovery.hpp"

#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdio>
#include <map>

namespace {

namespace ossl = common::ossl;

const common::time_point kNow = common::from_unix_seconds(1'700'000'000);
constexpr storage::user_id kUser = 1;

// The key ring the server seals TOTP secrets with (storage/sealing.hpp):
// AES-256-GCM bound to purpose, user and key id.
const storage::key_ring& ring() {
  static const storage::key_ring r = storage::key_ring::generate().value();
  return r;
}

const totp::secret& sha1_secret() {
  static const totp::secret s =
      totp::generate_secret(totp::algorithm::sha1).value();
  return s;
}

void bare_hmac_sha1(benchmark::State& state) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  const ossl::mac owner(mac);
  char digest[] = "SHA1";
  const OSSL_PARAM settings[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  const std::uint8_t counter[8] = {0, 0, 0, 0, 3, 96, 38, 178};
  std::uint8_t out[64];
  for (auto _ : state) {
    const ossl::mac_ctx ctx(EVP_MAC_CTX_new(mac));
    std::size_t size = 0;
    EVP_MAC_init(ctx.get(), sha1_secret().view().data(), sha1_secret().size(),
                 settings);
    EVP_MAC_update(ctx.get(), counter, sizeof counter);
    EVP_MAC_final(ctx.get(), out, &size, sizeof out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bare_hmac_sha1);

void totp_verify(benchmark::State& state) {
  const std::string code = totp::totp_code(sha1_secret(), kNow, {}).value();
  for (auto _ : state) {
    auto step = totp::accept_code(code, sha1_secret(), kNow, {}, std::nullopt);
    benchmark::DoNotOptimize(step);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(totp_verify);

void totp_unseal_and_verify(benchmark::State& state) {
  const auto sealed =
      ring()
          .seal(storage::kTotpSecretPurpose, kUser, sha1_secret().view())
          .value();
  const std::string code = totp::totp_code(sha1_secret(), kNow, {}).value();
  for (auto _ : state) {
    const totp::secret key(
        ring().open(storage::kTotpSecretPurpose, kUser, sealed).value());
    auto step = totp::accept_code(code, key, kNow, {}, std::nullopt);
    benchmark::DoNotOptimize(step);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(totp_unseal_and_verify);

struct recovery_fixture {
  totp::argon2id_hasher hasher = totp::argon2id_hasher::make().value();
  totp::recovery_batch batch = totp::generate_recovery_codes(hasher).value();
};

const recovery_fixture& recovery() {
  static const recovery_fixture f;
  return f;
}

void recovery_check_known_id(benchmark::State& state) {
  const auto& f = recovery();
  for (auto _ : state) {
    auto index =
        totp::verify_recovery_code(f.batch.records, f.batch.codes[7], f.hasher);
    benchmark::DoNotOptimize(index);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(recovery_check_known_id)->Unit(benchmark::kMillisecond);

void recovery_check_unknown_id(benchmark::State& state) {
  const auto& f = recovery();
  std::string code = "2222-3333-4444-5555";
  for (const char c : totp::kRecoveryAlphabet) {
    if (!totp::find_recovery_record(f.batch.records, std::string(4, c))) {
      code.replace(0, 4, std::string(4, c));
      break;
    }
  }
  for (auto _ : state) {
    auto index = totp::verify_recovery_code(f.batch.records, code, f.hasher);
    benchmark::DoNotOptimize(index);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(recovery_check_unknown_id)->Unit(benchmark::kMillisecond);

// The console table, plus each benchmark's rate kept for the summary.
class summary_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      const auto it = run.counters.find("items_per_second");
      if (it != run.counters.end())
        rates_[run.benchmark_name()] = it->second.value;
    }
  }

  double rate(const std::string& name) const {
    const auto it = rates_.find(name);
    return it == rates_.end() ? 0.0 : it->second;
  }

 private:
  std::map<std::string, double> rates_;
};

void print_summary(const summary_reporter& r) {
  const double hmac = r.rate("bare_hmac_sha1");
  const double verify = r.rate("totp_verify");
  const double unsealed = r.rate("totp_unseal_and_verify");
  const double known = r.rate("recovery_check_known_id");
  const double unknown = r.rate("recovery_check_unknown_id");
  if (hmac <= 0 || verify <= 0 || unsealed <= 0 || known <= 0 || unknown <= 0)
    return;  // a filter left some out
  std::printf("\nper second, one thread:\n");
  std::printf("  bare HMAC-SHA-1 (20-byte key, 8 bytes) %12.0f\n", hmac);
  std::printf("  TOTP verify, window 1 (3 HMACs)        %12.0f  (%.2fx HMAC)\n",
              verify, hmac / verify);
  std::printf("  TOTP unseal (AES-256-GCM) + verify     %12.0f  (%.2fx HMAC)\n",
              unsealed, hmac / unsealed);
  std::printf("  recovery code check, known id          %12.1f\n", known);
  std::printf(
      "  recovery code check, unknown id        %12.1f  (%.2fx known)\n",
      unknown, known / unknown);
  std::printf("  TOTP sign-in / recovery check          %12.0fx\n",
              unsealed / known);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  summary_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter);
  benchmark::Shutdown();
  return 0;
}
