// `latchkey verify`, run as support staff would: on files holding captured
// responses, with the verdict and its named reason on standard output.
#include "server_process.hpp"

#include "common/encoding.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/mds_blob.hpp"
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

namespace {

// A folder of files for --roots and --metadata, removed afterwards.
class temp_folder {
 public:
  temp_folder()
      : path_(std::filesystem::temp_directory_path() /
              ("latchkey-verify-dir-" + std::to_string(::getpid()) + "-" +
               std::to_string(counter_++))) {
    std::filesystem::create_directories(path_);
  }
  ~temp_folder() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, common::byte_view data) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(data.data()),
               static_cast<std::streamsize>(data.size()));
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

std::string uuid_text(const common::bytes& id) {
  const std::string hex = common::hex_encode(id);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

// A metadata statement for the soft authenticator's model, whose
// attestation roots are the test root.
std::string soft_model_statement(const std::string& status) {
  const nlohmann::json entry = {
      {"aaguid", uuid_text(test_support::default_aaguid())},
      {"metadataStatement",
       {{"description", "Latchkey Soft Key"},
        {"attestationRootCertificates",
         {test_support::base64_standard(test_support::test_root_ca().der)}}}},
      {"statusReports", {{{"status", status}}}}};
  return entry.dump();
}

}  // namespace

TEST_CASE("verify takes several origins and the cross-origin flags") {
  test_support::registration_options options;
  options.challenge = kChallenge;
  options.origin = "http://localhost:9000";
  options.cross_origin = true;
  options.top_origin = "https://top.example";
  const temp_file file(test_support::make_registration(options).to_json_text());
  auto args = verify_args("registration", file.path());
  args.insert(args.end(), {"--origin", "http://localhost:9000"});
  auto r = run_latchkey(args);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "verdict: refused (cross_origin_refused)"));
  CHECK(contains(r.output,
                 "aaguid: " + uuid_text(test_support::default_aaguid())));

  args.push_back("--allow-cross-origin");
  r = run_latchkey(args);
  CHECK(contains(r.output, "verdict: refused (top_origin_refused)"));
  args.insert(args.end(), {"--top-origin", "https://top.example"});
  r = run_latchkey(args);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "verdict: valid\n"));
}

TEST_CASE("verify checks certificates at the time --at gives") {
  const temp_folder roots;
  roots.write("test-root.der", test_support::test_root_ca().der);
  const temp_file file(make_registration().to_json_text());
  auto args = verify_args("registration", file.path());
  args.insert(args.end(), {"--roots", roots.path()});
  auto r = run_latchkey(args);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "attestation: basic (trusted: "));
  CHECK(contains(r.output, "trust path:\n"));
  CHECK(contains(r.output, " (anchor)\n"));
  // The test root is valid from 2024 on: before that, nothing chains.
  args.insert(args.end(), {"--at", "2023-06-01T00:00:00Z"});
  r = run_latchkey(args);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "attestation: basic (not trusted"));
}

TEST_CASE("verify applies metadata and the model policy") {
  const temp_folder roots;
  roots.write("test-root.der", test_support::test_root_ca().der);
  const temp_folder metadata;
  const auto statement = soft_model_statement("FIDO_CERTIFIED_L1");
  metadata.write("soft.json", common::as_bytes(statement));
  const temp_file file(make_registration().to_json_text());
  const std::string model = uuid_text(test_support::default_aaguid());
  auto base = verify_args("registration", file.path());
  base.insert(base.end(),
              {"--roots", roots.path(), "--metadata", metadata.path()});

  auto args = base;
  args.insert(args.end(), {"--allow-aaguid", model});
  auto r = run_latchkey(args);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "model: Latchkey Soft Key\n"));
  CHECK(contains(r.output,
                 "policy: passed (model attested by its metadata roots)"));

  args = base;
  args.insert(args.end(), {"--deny-aaguid", model});
  r = run_latchkey(args);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "policy: refused (aaguid_denied)"));

  // An allow-list of another model refuses this one.
  args = base;
  args.insert(args.end(),
              {"--allow-aaguid", "00000000-0000-0000-0000-000000000001"});
  r = run_latchkey(args);
  CHECK(contains(r.output, "policy: refused (aaguid_not_allowed)"));

  const temp_folder revoked;
  const auto bad = soft_model_statement("REVOKED");
  revoked.write("soft.json", common::as_bytes(bad));
  args = verify_args("registration", file.path());
  args.insert(args.end(), {"--metadata", revoked.path()});
  r = run_latchkey(args);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "policy: refused (authenticator_status_refused)"));

  CHECK(run_latchkey({"verify", "registration", file.path(), "--metadata",
                      "/nonexistent/metadata.json"})
            .exit_code == 2);
  args = base;
  args.insert(args.end(), {"--allow-aaguid", "not-a-uuid"});
  CHECK(run_latchkey(args).exit_code == 2);
}

TEST_CASE("verify requires trusted attestation when told to") {
  test_support::registration_options options;
  options.challenge = kChallenge;
  options.format = test_support::attestation_format::none;
  const temp_file file(test_support::make_registration(options).to_json_text());
  auto args = verify_args("registration", file.path());
  CHECK(run_latchkey(args).exit_code == 0);
  args.push_back("--require-trusted-attestation");
  const auto r = run_latchkey(args);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "policy: refused (attestation_not_trusted)"));
}

TEST_CASE("verify reads CRLs beside the roots and refuses SHA-1 on request") {
  const auto& root = test_support::test_root_ca();
  const auto intermediate =
      test_support::make_intermediate_ca(root, "Latchkey Test Intermediate");
  test_support::registration_options options;
  options.challenge = kChallenge;
  options.format = test_support::attestation_format::packed_x5c;
  options.issuer = &intermediate;
  auto reg = test_support::make_registration(options);
  reg.statement.x5c.push_back(intermediate.der);
  reg.rebuild();
  const temp_file file(reg.to_json_text());
  const temp_folder roots;
  roots.write("test-root.der", root.der);
  auto args = verify_args("registration", file.path());
  args.insert(args.end(), {"--roots", roots.path()});
  auto before = run_latchkey(args);
  CHECK(before.exit_code == 0);
  CHECK(contains(before.output, "attestation: basic (trusted: "));
  // Once CRLs are configured, every CA on the path needs a current one.
  roots.write("test-root.crl", test_support::make_crl(root, {&intermediate}));
  roots.write("intermediate.crl", test_support::make_crl(intermediate, {}));
  const auto r = run_latchkey(args);
  CHECK(r.exit_code == 1);
  CHECK(
      contains(r.output, "verdict: refused (attestation_certificate_revoked)"));

  test_support::registration_options weak = options;
  weak.issuer = nullptr;
  weak.attestation_cert.sha1_signature = true;
  const temp_file sha1_file(
      test_support::make_registration(weak).to_json_text());
  const temp_folder plain_roots;
  plain_roots.write("test-root.der", root.der);
  auto sha1_args = verify_args("registration", sha1_file.path());
  sha1_args.insert(sha1_args.end(), {"--roots", plain_roots.path()});
  sha1_args.push_back("--refuse-sha1");
  const auto s = run_latchkey(sha1_args);
  CHECK(s.exit_code == 1);
  CHECK(contains(s.output, "verdict: refused (attestation_sha1_refused)"));
}

TEST_CASE("verify assertion prints the stored key's algorithm") {
  const auto reg = make_registration();
  auto cred = reg.to_credential();
  test_support::assertion_options options;
  options.challenge = kChallenge;
  const temp_file file(
      test_support::make_assertion(cred, options).to_json_text());
  auto args = verify_args("assertion", file.path());
  args.insert(args.end(),
              {"--public-key", common::base64url_encode(reg.key.cose_bytes())});
  const auto r = run_latchkey(args);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "algorithm: ES256\n"));
}
