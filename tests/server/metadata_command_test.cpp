// `latchkey metadata load`: a new BLOB is verified, must be newer than the
// last, and suspends the stored credentials of models it reports revoked.
#include "server_process.hpp"

#include "common/encoding.hpp"
#include "storage/sqlite_store.hpp"
#include "tests/support/mds_blob.hpp"
#include "tests/support/soft_authenticator.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using test_support::run_latchkey;

namespace {

constexpr const char* kRevokedModel = "0aaa0aaa-0aaa-4aaa-8aaa-0aaa0aaa0aaa";
constexpr const char* kGoodModel = "0bbb0bbb-0bbb-4bbb-8bbb-0bbb0bbb0bbb";

class temp_folder {
 public:
  temp_folder()
      : path_(std::filesystem::temp_directory_path() /
              ("latchkey-mds-" + std::to_string(::getpid()) + "-" +
               std::to_string(counter_++))) {
    std::filesystem::create_directories(path_);
  }
  ~temp_folder() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const {
    return (path_ / name).string();
  }
  void write(const std::string& name, std::string_view text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

common::bytes model_bytes(const std::string& uuid) {
  std::string hex;
  for (const char c : uuid) {
    if (c != '-')
      hex.push_back(c);
  }
  return *common::hex_decode(hex);
}

nlohmann::json entry(const std::string& model, const std::string& name,
                     const std::string& status) {
  return {
      {"aaguid", model},
      {"metadataStatement",
       {{"aaguid", model},
        {"description", name},
        {"attestationRootCertificates",
         {test_support::base64_standard(test_support::test_root_ca().der)}}}},
      {"statusReports", {{{"status", status}}}}};
}

std::string blob(std::uint64_t number) {
  const nlohmann::json payload = {
      {"legalHeader", "test"},
      {"no", number},
      {"nextUpdate", "2099-01-01"},
      {"entries",
       {entry(kRevokedModel, "Leaky Key", "REVOKED"),
        entry(kGoodModel, "Good Key", "FIDO_CERTIFIED_L1")}}};
  return test_support::make_mds_blob(payload, test_support::make_mds_signer());
}

std::unique_ptr<storage::store> open_store(const std::string& path) {
  storage::sqlite_options options;
  options.path = path;
  auto opened = storage::open_sqlite_store(options);
  REQUIRE_MESSAGE(opened.has_value(), opened.error().message);
  return std::move(*opened);
}

void add_credential(storage::store& db, storage::user_id user, std::uint8_t id,
                    const std::string& model) {
  storage::credential c;
  c.id = common::bytes(16, id);
  c.user = user;
  c.public_key = {0xa0};
  c.algorithm = -7;
  c.aaguid = model_bytes(model);
  c.attestation_format = "packed";
  c.attestation_type = "basic";
  c.nickname = "key";
  c.created_at = std::chrono::system_clock::now();
  REQUIRE(db.add_credential(c));
}

}  // namespace

TEST_CASE("metadata load suspends credentials of a revoked model, once") {
  const temp_folder dir;
  const auto db_path = dir.file("latchkey.db");
  {
    auto db = open_store(db_path);
    const auto user =
        db->create_user({common::bytes(64, 1), "wes", "Wes", std::nullopt},
                        std::chrono::system_clock::now());
    REQUIRE(user.has_value());
    add_credential(*db, user->id, 1, kRevokedModel);
    add_credential(*db, user->id, 2, kGoodModel);
  }
  std::filesystem::create_directories(dir.file("roots"));
  {
    std::ofstream root(dir.file("roots") + "/test-root.der", std::ios::binary);
    const auto& der = test_support::test_root_ca().der;
    root.write(reinterpret_cast<const char*>(der.data()),
               static_cast<std::streamsize>(der.size()));
  }
  dir.write("blob-7.jwt", blob(7));
  const std::vector<std::string> options = {
      "--database",        db_path,
      "--metadata-roots",  dir.file("roots"),
      "--metadata-signer", test_support::kTestMdsHost};
  auto args =
      std::vector<std::string>{"metadata", "load", dir.file("blob-7.jwt")};
  args.insert(args.end(), options.begin(), options.end());
  auto r = run_latchkey(args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("BLOB no. 7") != std::string::npos);
  CHECK(r.output.find("suspended 1") != std::string::npos);
  {
    auto db = open_store(db_path);
    const auto revoked = db->find_credential(common::bytes(16, 1));
    REQUIRE(revoked.has_value());
    CHECK(revoked->suspended);
    CHECK(revoked->suspended_reason.find("Leaky Key") != std::string::npos);
    CHECK(revoked->suspended_reason.find("REVOKED") != std::string::npos);
    CHECK_FALSE(db->find_credential(common::bytes(16, 2))->suspended);
    const auto events = db->list_audit(0, 10, std::nullopt);
    REQUIRE(events.has_value());
    REQUIRE_FALSE(events->empty());
    CHECK(events->front().event == "credential_suspended");
  }

  // The same BLOB again, or an older one, is refused.
  r = run_latchkey(args);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("not newer") != std::string::npos);
  dir.write("blob-6.jwt", blob(6));
  args[2] = dir.file("blob-6.jwt");
  CHECK(run_latchkey(args).exit_code == 1);

  // A BLOB with one byte changed does not verify.
  auto tampered = blob(8);
  tampered[tampered.size() / 2] =
      tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  dir.write("blob-8.jwt", tampered);
  args[2] = dir.file("blob-8.jwt");
  r = run_latchkey(args);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("refused") != std::string::npos);

  // Without the roots that sign it, nothing can be checked.
  CHECK(run_latchkey(
            {"metadata", "load", dir.file("blob-7.jwt"), "--database", db_path})
            .exit_code == 2);
  CHECK(run_latchkey({"metadata", "load"}).exit_code == 2);
  CHECK(run_latchkey({"metadata", "--help"}).exit_code == 0);
}
