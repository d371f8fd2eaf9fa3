#include "server/trust_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

namespace server {
namespace {

std::optional<std::string> read_bounded(const std::filesystem::path& path,
                                        std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

// One metadata file: a BLOB (.jwt), verified under `roots` at `at`, or a
// statement or BLOB entry (.json).
std::optional<std::string> load_metadata_file(
    const std::filesystem::path& path, const webauthn::trust_store& roots,
    common::time_point at, webauthn::metadata_store& metadata,
    const note_sink& note, const webauthn::blob_options& options) {
  const bool blob = path.extension() == ".jwt";
  const auto text = read_bounded(path, webauthn::kMaxBlobSize);
  if (!text)
    return "cannot open " + path.string();
  if (!blob) {
    const auto added = metadata.add_statement(*text);
    return added ? std::nullopt
                 : std::optional(path.string() + ": " +
                                 common::error_name(added.error()));
  }
  const auto info = metadata.load_blob(*text, roots, at, options);
  if (!info)
    return path.string() + ": " + common::error_name(info.error());
  note("metadata: BLOB no. " + std::to_string(info->number) + ", " +
       std::to_string(info->entries) + " entries (" +
       std::to_string(info->skipped_entries) + " skipped)");
  if (info->past_next_update) {
    note("warning: the metadata BLOB is past its nextUpdate (" +
         info->next_update + "); fetch a newer one");
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> load_roots(const std::string& folder,
                                      webauthn::trust_store& roots) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end;
       it.increment(ec)) {
    const auto ext = it->path().extension();
    const bool crl = ext == ".crl";
    if (!crl && ext != ".pem" && ext != ".crt" && ext != ".der")
      continue;
    std::ifstream in(it->path(), std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
    const auto added = crl ? roots.add_crl(common::as_bytes(body))
                           : roots.add_root(common::as_bytes(body));
    if (!added) {
      return std::string(crl ? "cannot read a CRL from "
                             : "cannot read a certificate from ") +
             it->path().string();
    }
  }
  if (ec)
    return "cannot read the folder " + folder + ": " + ec.message();
  return std::nullopt;
}

// A file, or every .jwt and .json file of a folder, in name order.
std::optional<std::string> load_metadata(
    const std::string& path, const webauthn::trust_store& roots,
    common::time_point at, webauthn::metadata_store& metadata,
    const note_sink& note, const webauthn::blob_options& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec))
    return load_metadata_file(path, roots, at, metadata, note, options);
  std::vector<fs::path> files;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end;
       it.increment(ec)) {
    const auto ext = it->path().extension();
    if (ext == ".jwt" || ext == ".json")
      files.push_back(it->path());
  }
  if (ec)
    return "cannot read the folder " + path + ": " + ec.message();
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    if (auto problem =
            load_metadata_file(file, roots, at, metadata, note, options))
      return problem;
  }
  return std::nullopt;
}

}  // namespace server
