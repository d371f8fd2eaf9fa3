#include "server/static_files.hpp"

#include "server/embedded_assets.hpp"
#include "server/router.hpp"

#include <filesystem>
#include <fstream>

namespace server {
namespace {

constexpr std::uintmax_t kMaxTotal = 32u << 20;

struct type_entry {
  std::string_view extension;
  std::string_view type;
};

constexpr type_entry kTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

}  // namespace

std::string_view content_type_for(std::string_view name) noexcept {
  for (const auto& entry : kTypes) {
    if (name.ends_with(entry.extension))
      return entry.type;
  }
  return "application/octet-stream";
}

void static_files::add(std::string path, std::string body) {
  const std::string type(content_type_for(path));
  files_[std::move(path)] = static_file{type, std::move(body)};
}

static_files static_files::built_in() {
  static_files out;
  for (const auto& asset : embedded_assets()) {
    out.add(std::string(asset.path), std::string(asset.body));
  }
  return out;
}

boost::system::result<static_files, std::string> static_files::load(
    const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path root = fs::canonical(folder, ec);
  if (ec || !fs::is_directory(root, ec)) {
    return "web-root " + folder + ": not a readable folder";
  }
  static_files out;
  std::uintmax_t total = 0;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec))
      continue;
    total += it->file_size(ec);
    if (total > kMaxTotal)
      return "web-root " + folder + ": over 32 MiB";
    std::ifstream in(it->path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      return "web-root: cannot read " + it->path().string();
    }
    out.add("/" + fs::relative(it->path(), root).generic_string(),
            std::move(body));
  }
  if (ec)
    return "web-root " + folder + ": " + ec.message();
  return out;
}

const static_file* static_files::find(std::string_view path) const {
  if (path == "/")
    path = "/index.html";
  const auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

std::optional<response> static_files::serve(const request& req) const {
  const static_file* file = find(target_path(req.target()));
  if (file == nullptr)
    return std::nullopt;
  response res{http::status::ok, req.version()};
  res.set(http::field::content_type, file->content_type);
  // The pages change with the binary; revalidating is cheap and avoids a
  // stale script talking to a newer API.
  res.set(http::field::cache_control, "no-cache");
  if (req.method() == http::verb::head) {
    res.content_length(file->body.size());
  } else {
    res.body() = file->body;
    res.prepare_payload();
  }
  return res;
}

}  // namespace server
