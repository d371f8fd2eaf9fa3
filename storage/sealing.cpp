#include "storage/sealing.hpp"

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "common/openssl.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <climits>
#include <optional>
#include <set>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace storage {
namespace {

constexpr std::size_t kKeySize = 32;      // AES-256
constexpr std::size_t kKeyTextSize = 43;  // 32 bytes as unpadded base64url
constexpr std::size_t kNonceSize = 12;    // 96 bits, fresh per seal
constexpr std::size_t kTagSize = 16;      // 128 bits
constexpr std::size_t kKeyIdRandom = 4;   // new key ids: 8 hex digits
constexpr std::size_t kMaxKeyIdSize = 64;
constexpr std::size_t kMaxKeyFileSize = 64 * 1024;
constexpr std::size_t kMaxPlaintext = 1024 * 1024;
constexpr std::uint8_t kAadFormat = 1;

// Where sealed values live, and the purpose each was sealed for. The one
// place that maps a store's table names (store::sealed_row::table) to the
// purposes bound into the associated data; a table missing here cannot be
// re-sealed, so adding a sealed column means adding its row.
struct sealed_table {
  std::string_view table;
  std::string_view purpose;
};
constexpr sealed_table kSealedTables[] = {
    {"totp_enrollments", kTotpSecretPurpose},
};

std::optional<std::string_view> purpose_of_table(std::string_view table) {
  for (const auto& entry : kSealedTables) {
    if (entry.table == table)
      return entry.purpose;
  }
  return std::nullopt;
}

std::span<std::uint8_t> writable_bytes(std::string& text) noexcept {
  return {reinterpret_cast<std::uint8_t*>(text.data()), text.size()};
}

// Wipes a buffer when it goes out of scope, on every return path.
template <class Buffer>
class wipe_on_exit {
 public:
  explicit wipe_on_exit(Buffer& buffer) noexcept : buffer_(buffer) {}
  wipe_on_exit(const wipe_on_exit&) = delete;
  wipe_on_exit& operator=(const wipe_on_exit&) = delete;
  ~wipe_on_exit() {
    if constexpr (std::is_same_v<Buffer, std::string>)
      common::wipe(writable_bytes(buffer_));
    else
      common::wipe(buffer_);
  }

 private:
  Buffer& buffer_;
};

// Key ids are short, printable and safe in file names, logs and SQL:
// 1 to 64 characters from A-Z a-z 0-9 - _. New ones are 8 random hex digits.
bool valid_key_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxKeyIdSize)
    return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok)
      return false;
  }
  return true;
}

void append_be(bytes& out, std::uint64_t value, int width) {
  for (int shift = (width - 1) * 8; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}

// The associated data: format 0x01, then the purpose, the user id and the
// key id. Texts carry a 4-byte big-endian length, the user id is 8 bytes
// big-endian (two's complement), so each triple has exactly one encoding.
bytes associated_data(std::string_view purpose, user_id user,
                      std::string_view key_id) {
  bytes out;
  out.reserve(1 + 4 + purpose.size() + 8 + 4 + key_id.size());
  out.push_back(kAadFormat);
  append_be(out, purpose.size(), 4);
  out.insert(out.end(), purpose.begin(), purpose.end());
  append_be(out, static_cast<std::uint64_t>(user), 8);
  append_be(out, key_id.size(), 4);
  out.insert(out.end(), key_id.begin(), key_id.end());
  return out;
}

// AES-256-GCM over `input` with `aad`, encrypting or decrypting into
// `out` (sized like `input`). On decryption `tag` is checked; on
// encryption it is filled.
bool run_gcm(bool encrypt, byte_view key, byte_view nonce, byte_view aad,
             byte_view input, std::span<std::uint8_t> out,
             std::span<std::uint8_t> tag) {
  const common::ossl::cipher_ctx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || aad.size() > INT_MAX || input.size() > INT_MAX)
    return false;
  const int enc = encrypt ? 1 : 0;
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr,
                        enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN,
                          static_cast<int>(kNonceSize), nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data(),
                        enc) != 1) {
    return false;
  }
  int length = 0;
  if (!aad.empty() && EVP_CipherUpdate(ctx.get(), nullptr, &length, aad.data(),
                                       static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (!input.empty() &&
      EVP_CipherUpdate(ctx.get(), out.data(), &length, input.data(),
                       static_cast<int>(input.size())) != 1) {
    return false;
  }
  if (!encrypt &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG,
                          static_cast<int>(kTagSize), tag.data()) != 1) {
    return false;
  }
  // GCM writes nothing at the end; the buffer only keeps the call valid.
  std::uint8_t tail[16];
  if (EVP_CipherFinal_ex(ctx.get(), tail, &length) != 1)
    return false;
  return !encrypt ||
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG,
                             static_cast<int>(kTagSize), tag.data()) == 1;
}

using key_map = std::map<std::string, bytes, std::less<>>;

// Rejects a member name given twice in one object (nlohmann would keep the
// last, so one file could mean two rings) and nesting deeper than the
// format's two levels. Key files are small, so a set per object is cheap.
class key_file_checker {
 public:
  bool operator()(int depth, nlohmann::json::parse_event_t event,
                  const nlohmann::json& value) {
    using event_t = nlohmann::json::parse_event_t;
    if (event == event_t::object_start || event == event_t::array_start) {
      if (depth > 1)
        bad_ = true;
      if (event == event_t::object_start)
        names_.emplace_back();
    } else if (event == event_t::key && !names_.empty()) {
      if (!names_.back().insert(value.get<std::string>()).second)
        bad_ = true;
    } else if (event == event_t::object_end && !names_.empty()) {
      names_.pop_back();
    }
    return true;
  }

  bool bad() const noexcept { return bad_; }

 private:
  std::vector<std::set<std::string>> names_;
  bool bad_ = false;
};

// Wipes the strings of a parsed key file before it is freed, down to the
// depth where keys live (deeper texts were refused, and the bound keeps a
// hostile nesting from exhausting the stack).
void wipe_json_strings(nlohmann::json& value, int depth = 0) noexcept {
  if (value.is_string()) {
    common::wipe(writable_bytes(value.get_ref<std::string&>()));
  } else if ((value.is_object() || value.is_array()) && depth < 2) {
    for (auto& member : value)
      wipe_json_strings(member, depth + 1);
  }
}

// The key with its id from the "keys" member, or key_file_malformed.
result<void> read_keys(const nlohmann::json& keys, key_map& out) {
  if (!keys.is_object() || keys.empty())
    return errc::key_file_malformed;
  for (const auto& [id, text] : keys.items()) {
    if (!valid_key_id(id) || !text.is_string())
      return errc::key_file_malformed;
    const auto& encoded = text.get_ref<const std::string&>();
    if (encoded.size() != kKeyTextSize)
      return errc::key_file_malformed;
    auto key = common::base64url_decode(encoded);
    if (!key || key->size() != kKeySize)
      return errc::key_file_malformed;
    out.emplace(id, std::move(*key));
  }
  return {};
}

result<void> parse_key_file(std::string_view text, key_map& keys,
                            std::string& current) {
  if (text.size() > kMaxKeyFileSize)
    return errc::key_file_malformed;
  key_file_checker checker;
  auto callback = [&checker](int depth, nlohmann::json::parse_event_t event,
                             nlohmann::json& value) {
    return checker(depth, event, value);
  };
  nlohmann::json root = nlohmann::json::parse(text, callback, false);
  struct json_wiper {
    nlohmann::json& json;
    ~json_wiper() { wipe_json_strings(json); }
  } wiper{root};
  if (root.is_discarded() || checker.bad() || !root.is_object() ||
      root.size() != 3) {
    return errc::key_file_malformed;
  }
  const auto version = root.find("version");
  const auto current_id = root.find("current");
  const auto key_list = root.find("keys");
  if (version == root.end() || !version->is_number_integer() || *version != 1 ||
      current_id == root.end() || !current_id->is_string() ||
      key_list == root.end()) {
    return errc::key_file_malformed;
  }
  if (auto read = read_keys(*key_list, keys); !read)
    return read.error();
  current = current_id->get<std::string>();
  if (!keys.contains(current))
    return errc::key_file_malformed;
  return {};
}

// The key file's text. Ids and base64url are plain ASCII, so the text is
// built directly rather than through a JSON value holding key copies; the
// caller wipes the result.
std::string key_file_text(const key_map& keys, const std::string& current) {
  std::string text;
  text.reserve(64 + keys.size() * (kMaxKeyIdSize + kKeyTextSize + 16));
  text += "{\n  \"version\": 1,\n  \"current\": \"";
  text += current;
  text += "\",\n  \"keys\": {";
  const char* separator = "\n";
  for (const auto& [id, key] : keys) {
    std::string encoded = common::base64url_encode(key);
    const wipe_on_exit<std::string> wiper(encoded);
    text += separator;
    text += "    \"";
    text += id;
    text += "\": \"";
    text += encoded;
    text += '"';
    separator = ",\n";
  }
  text += "\n  }\n}\n";
  return text;
}

class file_descriptor {
 public:
  explicit file_descriptor(int fd) noexcept : fd_(fd) {}
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  ~file_descriptor() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }

  // Closes now, reporting the failure that a destructor would swallow.
  bool close() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}

result<void> sync_folder(const std::string& path) {
  const file_descriptor folder(
      ::open(folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!folder.valid() || ::fsync(folder.get()) != 0)
    return errc::io_failed;
  return {};
}

bool write_all(int fd, std::string_view text) noexcept {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Creates `path` (which must not exist) with mode 0600 whatever the umask,
// writes `text` and syncs the file. Removes the file again on failure.
result<void> write_new_file(const std::string& path, std::string_view text) {
  file_descriptor file(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
             S_IRUSR | S_IWUSR));
  if (!file.valid())
    return errc::io_failed;
  const bool written = ::fchmod(file.get(), S_IRUSR | S_IWUSR) == 0 &&
                       write_all(file.get(), text) &&
                       ::fsync(file.get()) == 0 && file.close();
  if (!written) {
    ::unlink(path.c_str());
    return errc::io_failed;
  }
  return {};
}

result<std::string> temporary_name(const std::string& path) {
  auto suffix = common::random_bytes(8);
  if (!suffix)
    return suffix.error();
  return path + ".tmp-" + common::hex_encode(*suffix);
}

// Reads an open key file after checking that only its owner can read it.
result<std::string> read_key_file(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0)
    return errc::io_failed;
  if (!S_ISREG(info.st_mode))
    return errc::key_file_malformed;
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return errc::key_file_unsafe;
  if (info.st_size < 0 ||
      static_cast<std::uint64_t>(info.st_size) > kMaxKeyFileSize) {
    return errc::key_file_malformed;
  }
  // One byte more than allowed, so a file that grew meanwhile is noticed.
  std::string text(kMaxKeyFileSize + 1, '\0');
  std::size_t used = 0;
  while (used < text.size()) {
    const ssize_t n = ::read(fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      common::wipe(writable_bytes(text));
      return errc::io_failed;
    }
    if (n == 0)
      break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxKeyFileSize) {
    common::wipe(writable_bytes(text));
    return errc::key_file_malformed;
  }
  text.resize(used);
  return text;
}

// Publishes a complete file or none: the text goes to a temporary file
// first, and link() gives it the final name only if nothing holds that
// name yet. A crash never leaves a half-written key file at `path`, and
// when another process was quicker its file stays untouched.
enum class publish_outcome { published, name_taken };

result<publish_outcome> publish_new_file(const std::string& path,
                                         std::string_view text) {
  auto temporary = temporary_name(path);
  if (!temporary)
    return temporary.error();
  if (auto written = write_new_file(*temporary, text); !written)
    return written.error();
  const bool linked = ::link(temporary->c_str(), path.c_str()) == 0;
  const int link_error = errno;
  ::unlink(temporary->c_str());
  if (!linked)
    return link_error == EEXIST
               ? result<publish_outcome>(publish_outcome::name_taken)
               : errc::io_failed;
  if (auto synced = sync_folder(path); !synced)
    return synced.error();
  return publish_outcome::published;
}

void wipe_keys(key_map& keys) noexcept {
  for (auto& entry : keys)
    common::wipe(entry.second);
}

result<std::string> new_key_id(const key_map& keys) {
  for (;;) {
    auto raw = common::random_bytes(kKeyIdRandom);
    if (!raw)
      return raw.error();
    std::string id = common::hex_encode(*raw);
    if (!keys.contains(id))
      return id;
  }
}

}  // namespace

result<key_ring> key_ring::generate() {
  key_ring ring;
  if (auto added = ring.add_key(); !added)
    return added.error();
  return ring;
}

result<key_ring> key_ring::parse(std::string_view text) {
  key_ring ring;
  if (auto parsed = parse_key_file(text, ring.keys_, ring.current_); !parsed) {
    wipe_keys(ring.keys_);
    return parsed.error();
  }
  return ring;
}

result<key_ring> key_ring::load_file(const std::string& path, bool may_create) {
  // O_NONBLOCK: a FIFO planted at the path must not hang start-up; it is
  // refused below as not a regular file.
  const file_descriptor file(
      ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!file.valid()) {
    if (errno != ENOENT)
      return errc::io_failed;
    if (!may_create)
      return errc::key_file_missing;
    auto ring = generate();
    if (!ring)
      return ring.error();
    std::string text = key_file_text(ring->keys_, ring->current_);
    const wipe_on_exit<std::string> wiper(text);
    auto published = publish_new_file(path, text);
    if (published && *published == publish_outcome::published)
      return ring;
    wipe_keys(ring->keys_);
    if (!published)
      return published.error();
    return load_file(path, false);
  }
  auto text = read_key_file(file.get());
  if (!text)
    return text.error();
  const wipe_on_exit<std::string> wiper(*text);
  return parse(*text);
}

bool key_ring::has_key(std::string_view key_id) const {
  return keys_.find(key_id) != keys_.end();
}

result<sealed_value> key_ring::seal(std::string_view purpose, user_id user,
                                    byte_view plaintext) const {
  if (plaintext.size() > kMaxPlaintext)
    return common::errc::too_large;
  const auto key = keys_.find(current_);
  if (key == keys_.end())
    return errc::key_file_missing;
  sealed_value out;
  out.key_id = current_;
  out.blob.resize(kNonceSize + plaintext.size() + kTagSize);
  const std::span<std::uint8_t> blob(out.blob);
  const auto nonce = blob.first(kNonceSize);
  if (auto filled = common::random_fill(nonce); !filled)
    return filled.error();
  const bytes aad = associated_data(purpose, user, current_);
  if (!run_gcm(true, key->second, nonce, aad, plaintext,
               blob.subspan(kNonceSize, plaintext.size()),
               blob.last(kTagSize))) {
    common::wipe(blob);
    return errc::io_failed;
  }
  return out;
}

result<bytes> key_ring::open(std::string_view purpose, user_id user,
                             const sealed_value& value) const {
  const auto key = keys_.find(value.key_id);
  if (key == keys_.end() || value.blob.size() < kNonceSize + kTagSize ||
      value.blob.size() > kNonceSize + kMaxPlaintext + kTagSize) {
    return errc::unseal_failed;
  }
  const byte_view blob(value.blob);
  const byte_view body =
      blob.subspan(kNonceSize, blob.size() - kNonceSize - kTagSize);
  // OpenSSL wants a writable tag buffer; the copy is not secret.
  std::uint8_t tag[kTagSize];
  std::copy(blob.end() - kTagSize, blob.end(), tag);
  bytes plaintext(body.size());
  const bytes aad = associated_data(purpose, user, value.key_id);
  if (!run_gcm(false, key->second, blob.first(kNonceSize), aad, body, plaintext,
               tag)) {
    common::wipe(plaintext);
    return errc::unseal_failed;
  }
  return plaintext;
}

result<void> key_ring::add_key() {
  auto id = new_key_id(keys_);
  if (!id)
    return id.error();
  auto key = common::random_bytes(kKeySize);
  if (!key)
    return key.error();
  keys_.emplace(*id, std::move(*key));
  current_ = std::move(*id);
  return {};
}

result<void> key_ring::make_current(std::string_view key_id) {
  const auto key = keys_.find(key_id);
  if (key == keys_.end())
    return errc::not_found;
  current_ = key->first;
  return {};
}

std::vector<std::string> key_ring::key_ids() const {
  std::vector<std::string> ids;
  ids.reserve(keys_.size());
  for (const auto& entry : keys_)
    ids.push_back(entry.first);
  return ids;
}

result<void> key_ring::remove_key(std::string_view key_id) {
  if (key_id == current_)
    return errc::key_file_missing;
  const auto key = keys_.find(key_id);
  if (key == keys_.end())
    return errc::not_found;
  common::wipe(key->second);
  keys_.erase(key);
  return {};
}

result<void> key_ring::save(const std::string& path) const {
  std::string text = key_file_text(keys_, current_);
  const wipe_on_exit<std::string> wiper(text);
  auto temporary = temporary_name(path);
  if (!temporary)
    return temporary.error();
  if (auto written = write_new_file(*temporary, text); !written)
    return written.error();
  if (::rename(temporary->c_str(), path.c_str()) != 0) {
    ::unlink(temporary->c_str());
    return errc::io_failed;
  }
  return sync_folder(path);
}

result<std::size_t> reseal_all(store& db, const key_ring& keys,
                               store::sealed_row* failed) {
  auto rows = db.list_sealed();
  if (!rows)
    return rows.error();
  std::size_t resealed = 0;
  for (auto& row : *rows) {
    if (row.value.key_id == keys.current_key_id())
      continue;
    const auto purpose = purpose_of_table(row.table);
    auto plaintext = purpose ? keys.open(*purpose, row.user, row.value)
                             : result<bytes>(errc::unseal_failed);
    if (!plaintext) {
      if (failed != nullptr)
        *failed = row;
      return plaintext.error();
    }
    auto sealed = keys.seal(*purpose, row.user, *plaintext);
    common::wipe(*plaintext);
    if (!sealed)
      return sealed.error();
    row.value = std::move(*sealed);
    if (auto replaced = db.replace_sealed(row); !replaced) {
      // A row deleted since it was listed needs no new seal.
      if (replaced.error() == errc::not_found)
        continue;
      return replaced.error();
    }
    ++resealed;
  }
  return resealed;
}

key_ring& key_ring::operator=(key_ring&& other) noexcept {
  if (this != &other) {
    for (auto& [id, key] : keys_)
      common::wipe(key);
    keys_ = std::move(other.keys_);
    current_ = std::move(other.current_);
  }
  return *this;
}

key_ring::~key_ring() {
  for (auto& [id, key] : keys_)
    common::wipe(key);
}

}  // namespace storage
