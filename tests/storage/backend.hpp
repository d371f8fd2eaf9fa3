// What the backend-independent storage tests need from a backend: a fresh,
// empty store. Each backend's test program links its own definition of
// make_store, so the contract and concurrency tests run unchanged against
// every backend.
//
// Not thread-safe: create stores on the test's main thread.
#pragma once

#include "storage/sqlite_store.hpp"
#include "storage/store.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>

namespace storage_test {

// A new directory, removed with everything in it when the object ends.
class temp_dir {
 public:
  temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir();
  const std::filesystem::path& path() const noexcept { return path_; }
  std::string file(const std::string& name) const {
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

// A fresh, empty store whose files (if any) live in `dir`. Fails the test
// when the backend cannot be opened.
std::unique_ptr<storage::store> make_store(const temp_dir& dir);

// Sample rows with distinct keys.
storage::new_user sample_user(const std::string& name);
storage::credential sample_credential(storage::user_id user,
                                      const common::bytes& id);
common::bytes sample_id(std::uint32_t n);

}  // namespace storage_test

// Failure messages show a result as "value" or as its error's name (and an
// open_result as its message, which names the file).
template <class T>
struct doctest::StringMaker<boost::system::result<T>> {
  static doctest::String convert(const boost::system::result<T>& r) {
    if (r) {
      return "value";
    }
    return common::error_name(r.error()).c_str();
  }
};

template <class T>
struct doctest::StringMaker<storage::open_result<T>> {
  static doctest::String convert(const storage::open_result<T>& r) {
    if (r) {
      return "value";
    }
    return r.error().message.c_str();
  }
};
