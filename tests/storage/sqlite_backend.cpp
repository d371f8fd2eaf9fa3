// The SQLite definitions behind backend.hpp.
#include "tests/storage/backend.hpp"

#include "common/crypto.hpp"
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>

#include <stdlib.h>

namespace storage_test {

temp_dir::temp_dir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "latchkey-storage-XXXXXX")
          .string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::unique_ptr<storage::store> make_store(const temp_dir& dir) {
  storage::sqlite_options options;
  options.path = dir.file("latchkey.db");
  auto opened = storage::open_sqlite_store(options);
  if (!opened) {
    FAIL(opened.error().message);
  }
  return std::move(*opened);
}

storage::new_user sample_user(const std::string& name) {
  storage::new_user u;
  u.handle = *common::random_bytes(64);
  u.username = name;
  u.display_name = "Display " + name;
  u.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  return u;
}

common::bytes sample_id(std::uint32_t n) {
  common::bytes id(32, 0x5a);
  for (int i = 0; i < 4; ++i) {
    id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  }
  return id;
}

storage::credential sample_credential(storage::user_id user,
                                      const common::bytes& id) {
  storage::credential c;
  c.id = id;
  c.user = user;
  c.public_key = common::bytes(77, 0xa5);
  c.algorithm = -7;
  c.transports = {"usb", "nfc"};
  c.aaguid = common::bytes(16, 0x11);
  c.attestation_format = "packed";
  c.attestation_type = "basic";
  c.attestation_trusted = true;
  c.attestation_object = common::bytes(300, 0x42);
  c.backup_eligible = true;
  c.nickname = "key";
  c.created_at = common::from_unix_seconds(1'700'000'000);
  return c;
}

}  // namespace storage_test
