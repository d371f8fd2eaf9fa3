// `latchkey verify`, run as support staff would: on files holding captured
// responses, with the verdict and its named reason on standard output.
#include "server_process.hpp"

#include "common/encoding.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/soft_authenticator.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using test_support::run_latchkey;

namespace {

class temp_file {
 public:
  explicit temp_file(const std::string& text)
      : path_(std::filesystem::temp_directory_path() /
              ("latchkey-verify-" + std::to_string(::getpid()) + "-" +
               std::to_string(counter_++) + ".json")) {
    std::ofstream(path_) << text;
  }
  ~temp_file() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

const common::bytes kChallenge(32, 0x42);

std::vector<std::string> verify_args(const std::string& kind,
                                     const std::string& path) {
  return {"verify",
          kind,
          path,
          "--rp-id",
          "localhost",
          "--origin",
          "http://localhost:8080",
          "--challenge",
          common::base64url_encode(kChallenge)};
}

test_support::registration make_registration() {
  test_support::registration_options options;
  options.challenge = kChallenge;
  options.format = test_support::attestation_format::packed_x5c;
  return test_support::make_registration(options);
}

}  // namespace

TEST_CASE("verify registration prints what it decoded and the verdict") {
  const temp_file file(make_registration().to_json_text());
  const auto r = run_latchkey(verify_args("registration", file.path()));
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "format: packed\n"));
  CHECK(contains(r.output, "algorithm: ES256\n"));
  CHECK(contains(r.output, "flags: UP,UV,AT\n"));
  CHECK(contains(r.output, "attestation: basic (not trusted"));
  CHECK(contains(r.output, "verdict: valid\n"));
}

TEST_CASE("verify registration names the reason for a refusal") {
  auto reg = make_registration();
  reg.client.origin = "https://evil.example";
  reg.rebuild();
  const temp_file file(reg.to_json_text());
  const auto r = run_latchkey(verify_args("registration", file.path()));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "verdict: refused (origin_mismatch)"));
}

TEST_CASE("verify assertion checks the signature with the given key") {
  const auto reg = make_registration();
  auto cred = reg.to_credential();
  test_support::assertion_options options;
  options.challenge = kChallenge;
  const temp_file file(
      test_support::make_assertion(cred, options).to_json_text());
  auto args = verify_args("assertion", file.path());
  args.insert(args.end(),
              {"--public-key", common::base64url_encode(reg.key.cose_bytes())});
  auto r = run_latchkey(args);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "verdict: valid\n"));

  args.insert(args.end(), {"--counter", "5"});
  r = run_latchkey(args);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "verdict: refused (counter_not_increased)"));

  const auto other = test_support::make_key(test_support::key_type::es256);
  args.insert(args.end(),
              {"--public-key", common::base64url_encode(other.cose_bytes()),
               "--counter", "0"});
  r = run_latchkey(args);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "verdict: refused (signature_invalid)"));
}

TEST_CASE("verify refuses bad usage with exit status 2") {
  const temp_file good(make_registration().to_json_text());
  const temp_file junk("not json");
  const std::vector<std::vector<std::string>> cases = {
      {"verify"},
      {"verify", "enrollment", good.path()},
      {"verify", "registration", "/nonexistent.json", "--rp-id", "x",
       "--origin", "https://x"},
      {"verify", "registration", junk.path(), "--rp-id", "x", "--origin",
       "https://x"},
      {"verify", "registration", good.path()},
      {"verify", "registration", good.path(), "--rp-id", "x", "--origin",
       "https://x", "--at", "tomorrow"},
      {"verify", "registration", good.path(), "--bogus"},
      {"verify", "assertion", good.path(), "--rp-id", "x", "--origin",
       "https://x"},
  };
  for (const auto& args : cases) {
    CAPTURE(args.size() > 1 ? args[1] : "");
    CHECK(run_latchkey(args).exit_code == 2);
  }
}

TEST_CASE("verify reads a real capture with its expectations and roots") {
  if (!test_support::fixtures_present()) {
    MESSAGE("skipped: ../shared/fixtures/webauthn is absent");
    return;
  }
  const auto dir = test_support::fixtures_dir();
  const auto r = run_latchkey(
      {"verify", "registration",
       (dir / "registrations" / "fido-u2f_yubikey-neo.json").string(),
       "--roots", (dir / "roots").string()});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "format: fido-u2f\n"));
  CHECK(contains(r.output, "(trusted: CN=Yubico U2F Root CA Serial"));
  const auto a =
      run_latchkey({"verify", "assertion",
                    (dir / "assertions" / "es256_yubikey-neo.json").string()});
  CHECK(a.exit_code == 0);
  CHECK(contains(a.output, "verdict: valid\n"));
}
