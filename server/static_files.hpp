// The demo pages: a fixed set of files, read once at start-up, either from
// the copy built into the binary or from a folder given by --web-root.
// Only files that existed at start-up are ever served, so no request path
// can reach outside the set.
//
// Thread-safe once loaded: lookups only read.
#pragma once

#include "common/error.hpp"
#include "server/beast.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace server {

struct static_file {
  std::string content_type;
  std::string body;
};

class static_files {
 public:
  // The files compiled into the binary from web_demo/.
  static static_files built_in();

  // Every regular file below `folder`, at most 32 MiB in all. Fails with a
  // sentence naming the file or folder that could not be read.
  static boost::system::result<static_files, std::string> load(
      const std::string& folder);

  // The file for a request path; "/" means "/index.html".
  const static_file* find(std::string_view path) const;

  // A GET or HEAD answer for the path, or nullopt when there is no file.
  std::optional<response> serve(const request& req) const;

  std::size_t size() const noexcept { return files_.size(); }

  void add(std::string path, std::string body);

 private:
  std::map<std::string, static_file, std::less<>> files_;
};

// The Content-Type for a file name, by its extension.
std::string_view content_type_for(std::string_view name) noexcept;

}  // namespace server
