#include "webauthn/cbor.hpp"

#include "webauthn/utf8.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <vector>

namespace webauthn {
namespace {

enum major_type : unsigned {
  kUnsigned = 0,
  kNegative = 1,
  kByteString = 2,
  kTextString = 3,
  kArray = 4,
  kMap = 5,
  kTag = 6,
  kSimple = 7,
};

struct header {
  unsigned major;
  unsigned info;
  std::uint64_t value;
};

// What makes two map keys the same key. Integers and strings compare by
// value, not by their encoding: a key written once in its shortest form and
// once with a longer length field is still a duplicate, so that no reader
// can see the first copy while another sees the last. Other key types
// (which no WebAuthn map uses) compare by their encoded bytes.
struct map_key_id {
  unsigned kind = 0;        // the major type; kRawKey for the rest
  std::uint64_t value = 0;  // an integer's value, a string's length
  byte_view content;        // a string's bytes, or the raw encoding

  friend bool operator==(const map_key_id& a, const map_key_id& b) noexcept {
    return a.kind == b.kind && a.value == b.value &&
           std::ranges::equal(a.content, b.content);
  }
  friend bool operator<(const map_key_id& a, const map_key_id& b) noexcept {
    if (a.kind != b.kind)
      return a.kind < b.kind;
    if (a.value != b.value)
      return a.value < b.value;
    return std::ranges::lexicographical_compare(a.content, b.content);
  }
};

constexpr unsigned kRawKey = 8;

// Walks one item by its headers without building anything. Recursion is
// bounded by kCborMaxDepth, so the stack stays small whatever the input.
class scanner {
 public:
  explicit scanner(byte_view data) noexcept : data_(data) {}

  result<void> item(std::size_t depth);
  std::size_t position() const noexcept { return pos_; }

 private:
  std::size_t left() const noexcept { return data_.size() - pos_; }
  result<header> read_header();
  result<void> string(const header& h);
  result<void> map(std::uint64_t count, std::size_t depth);
  result<void> map_key(std::size_t depth, map_key_id& key);

  byte_view data_;
  std::size_t pos_ = 0;
};

result<header> scanner::read_header() {
  if (left() == 0)
    return errc::cbor_truncated;
  const std::uint8_t initial = data_[pos_++];
  header h{static_cast<unsigned>(initial >> 5), initial & 31u, 0};
  if (h.info < 24) {
    h.value = h.info;
    return h;
  }
  if (h.info <= 27) {
    const std::size_t size = std::size_t{1} << (h.info - 24);
    if (left() < size)
      return errc::cbor_truncated;
    for (std::size_t i = 0; i < size; ++i)
      h.value = (h.value << 8) | data_[pos_++];
    return h;
  }
  if (h.info <= 30)
    return errc::cbor_reserved_value;
  // Additional information 31: an indefinite length for strings and
  // containers, a "break" for simple values, meaningless for the rest.
  if (h.major >= kByteString && h.major <= kMap)
    return errc::cbor_indefinite_length;
  return errc::cbor_malformed;
}

result<void> scanner::string(const header& h) {
  if (h.value > left())
    return errc::cbor_truncated;
  const std::size_t size = static_cast<std::size_t>(h.value);
  const byte_view content = data_.subspan(pos_, size);
  if (h.major == kTextString && utf8_valid_prefix(content) != size)
    return errc::cbor_malformed;
  pos_ += size;
  return {};
}

result<void> scanner::map_key(std::size_t depth, map_key_id& key) {
  const std::size_t start = pos_;
  if (const auto r = item(depth); !r)
    return r.error();
  const byte_view encoded = data_.subspan(start, pos_ - start);
  // item() has checked the header, so reading it again cannot fail.
  scanner again(encoded);
  const header h = *again.read_header();
  if (h.major == kUnsigned || h.major == kNegative) {
    key = {h.major, h.value, {}};
  } else if (h.major == kByteString || h.major == kTextString) {
    key = {h.major, h.value, encoded.subspan(again.pos_)};
  } else {
    key = {kRawKey, 0, encoded};
  }
  return {};
}

// Small maps (every map WebAuthn defines) compare keys pairwise in a fixed
// buffer; larger ones sort.
result<void> scanner::map(std::uint64_t count, std::size_t depth) {
  constexpr std::size_t kSmall = 8;
  std::array<map_key_id, kSmall> small{};
  std::vector<map_key_id> large;
  for (std::uint64_t i = 0; i < count; ++i) {
    map_key_id key;
    if (const auto r = map_key(depth, key); !r)
      return r.error();
    if (const auto r = item(depth); !r)
      return r.error();
    if (count <= kSmall) {
      for (std::size_t k = 0; k < i; ++k) {
        if (small[k] == key)
          return errc::cbor_duplicate_key;
      }
      small[static_cast<std::size_t>(i)] = key;
    } else {
      large.push_back(key);
    }
  }
  std::sort(large.begin(), large.end());
  if (std::adjacent_find(large.begin(), large.end()) != large.end())
    return errc::cbor_duplicate_key;
  return {};
}

result<void> scanner::item(std::size_t depth) {
  const auto read = read_header();
  if (!read)
    return read.error();
  const header& h = *read;
  const bool container =
      h.major == kArray || h.major == kMap || h.major == kTag;
  if (container && depth > kCborMaxDepth)
    return errc::cbor_too_deep;
  switch (h.major) {
    case kByteString:
    case kTextString:
      return string(h);
    case kArray:
      // Every element takes at least one byte.
      if (h.value > left())
        return errc::cbor_truncated;
      for (std::uint64_t i = 0; i < h.value; ++i) {
        if (const auto r = item(depth + 1); !r)
          return r;
      }
      return {};
    case kMap:
      // Every key and every value takes at least one byte.
      if (h.value > left() / 2)
        return errc::cbor_truncated;
      return map(h.value, depth + 1);
    case kTag:
      return item(depth + 1);
    case kSimple:
      // RFC 8949 section 3.3: simple values below 32 have a one-byte form.
      if (h.info == 24 && h.value < 32)
        return errc::cbor_reserved_value;
      return {};
    default:
      return {};
  }
}

}  // namespace

result<std::size_t> cbor_item_length(byte_view data) {
  scanner scan(data);
  if (const auto r = scan.item(1); !r)
    return r.error();
  return scan.position();
}

result<void> cbor_prescan(byte_view data) {
  const auto length = cbor_item_length(data);
  if (!length)
    return length.error();
  if (*length != data.size())
    return errc::cbor_trailing_bytes;
  return {};
}

result<cbor_ptr> cbor_decode(byte_view data) {
  if (const auto r = cbor_prescan(data); !r)
    return r.error();
  cbor_load_result load{};
  cbor_ptr item(cbor_load(data.data(), data.size(), &load));
  if (!item || load.error.code != CBOR_ERR_NONE || load.read != data.size())
    return errc::cbor_malformed;
  return item;
}

result<const cbor_item_t*> cbor_map_get(const cbor_item_t* map,
                                        std::int64_t key) {
  if (map == nullptr || !cbor_isa_map(map))
    return errc::cbor_unexpected_type;
  const cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    const auto candidate = cbor_int(pairs[i].key);
    if (candidate && *candidate == key)
      return pairs[i].value;
  }
  return errc::cbor_missing_key;
}

result<const cbor_item_t*> cbor_map_get(const cbor_item_t* map,
                                        std::string_view key) {
  if (map == nullptr || !cbor_isa_map(map))
    return errc::cbor_unexpected_type;
  const cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    const auto candidate = cbor_text(pairs[i].key);
    if (candidate && *candidate == key)
      return pairs[i].value;
  }
  return errc::cbor_missing_key;
}

result<byte_view> cbor_bytes(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_bytestring(item) ||
      !cbor_bytestring_is_definite(item))
    return errc::cbor_unexpected_type;
  return byte_view(cbor_bytestring_handle(item), cbor_bytestring_length(item));
}

result<std::string_view> cbor_text(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_string(item) ||
      !cbor_string_is_definite(item))
    return errc::cbor_unexpected_type;
  return common::as_text(
      byte_view(cbor_string_handle(item), cbor_string_length(item)));
}

result<std::int64_t> cbor_int(const cbor_item_t* item) {
  constexpr auto kMax =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (item == nullptr)
    return errc::cbor_unexpected_type;
  if (cbor_isa_uint(item)) {
    const std::uint64_t value = cbor_get_int(item);
    if (value > kMax)
      return errc::cbor_unexpected_type;
    return static_cast<std::int64_t>(value);
  }
  if (cbor_isa_negint(item)) {
    // A negative integer n is stored as -1 - n.
    const std::uint64_t value = cbor_get_int(item);
    if (value > kMax)
      return errc::cbor_unexpected_type;
    return -1 - static_cast<std::int64_t>(value);
  }
  return errc::cbor_unexpected_type;
}

}  // namespace webauthn
