#include "tests/support/cbor.hpp"

#include <cstdlib>
#include <stdexcept>

namespace test_support::cbor {
namespace {

struct buffer_deleter {
  void operator()(unsigned char* p) const noexcept { std::free(p); }
};
using buffer = std::unique_ptr<unsigned char, buffer_deleter>;

item checked(cbor_item_t* raw) {
  if (raw == nullptr) {
    throw std::bad_alloc();
  }
  return item(raw);
}

item unsigned_integer(std::uint64_t value) {
  if (value <= 0xff) {
    return checked(cbor_build_uint8(static_cast<std::uint8_t>(value)));
  }
  if (value <= 0xffff) {
    return checked(cbor_build_uint16(static_cast<std::uint16_t>(value)));
  }
  if (value <= 0xffffffff) {
    return checked(cbor_build_uint32(static_cast<std::uint32_t>(value)));
  }
  return checked(cbor_build_uint64(value));
}

// CBOR stores a negative n as the unsigned value -1 - n.
item negative_integer(std::uint64_t magnitude_minus_one) {
  const std::uint64_t v = magnitude_minus_one;
  if (v <= 0xff) {
    return checked(cbor_build_negint8(static_cast<std::uint8_t>(v)));
  }
  if (v <= 0xffff) {
    return checked(cbor_build_negint16(static_cast<std::uint16_t>(v)));
  }
  if (v <= 0xffffffff) {
    return checked(cbor_build_negint32(static_cast<std::uint32_t>(v)));
  }
  return checked(cbor_build_negint64(v));
}

// Walks one item without allocating and returns the offset after it.
// libcbor allocates whatever count a header declares, so a five-byte input
// could ask for gigabytes; counts that cannot fit in the bytes left,
// indefinite lengths and nesting deeper than 16 are refused here first.
std::optional<std::size_t> skip_item(common::byte_view data, std::size_t pos,
                                     int depth) {
  if (depth > 16 || pos >= data.size()) {
    return std::nullopt;
  }
  const int major = data[pos] >> 5;
  const int info = data[pos] & 0x1f;
  ++pos;
  std::uint64_t arg = static_cast<std::uint64_t>(info);
  if (info >= 24 && info <= 27) {
    const std::size_t width = std::size_t{1} << (info - 24);
    if (width > data.size() - pos) {
      return std::nullopt;
    }
    arg = 0;
    for (std::size_t i = 0; i < width; ++i) {
      arg = (arg << 8) | data[pos++];
    }
  } else if (info > 27) {
    return std::nullopt;
  }
  const std::uint64_t left = data.size() - pos;
  switch (major) {
    case 2:
    case 3:
      return arg <= left ? std::optional(pos + arg) : std::nullopt;
    case 4:
    case 5: {
      const std::uint64_t items = major == 5 ? arg * 2 : arg;
      if (arg > left || items > left) {
        return std::nullopt;
      }
      std::optional<std::size_t> next = pos;
      for (std::uint64_t i = 0; i < items && next; ++i) {
        next = skip_item(data, *next, depth + 1);
      }
      return next;
    }
    case 6:
      return skip_item(data, pos, depth + 1);
    default:
      return pos;
  }
}

}  // namespace

item integer(std::int64_t value) {
  if (value >= 0) {
    return unsigned_integer(static_cast<std::uint64_t>(value));
  }
  return negative_integer(static_cast<std::uint64_t>(-(value + 1)));
}

item byte_string(common::byte_view data) {
  return checked(cbor_build_bytestring(data.data(), data.size()));
}

item text(std::string_view value) {
  return checked(cbor_build_stringn(value.data(), value.size()));
}

item boolean(bool value) {
  return checked(cbor_build_bool(value));
}

item map(std::size_t size) {
  return checked(cbor_new_definite_map(size));
}

item array(std::size_t size) {
  return checked(cbor_new_definite_array(size));
}

void put(const item& map, item key, item value) {
  if (!cbor_map_add(map.get(), {key.get(), value.get()})) {
    throw std::logic_error("cbor map is full");
  }
}

void push(const item& array, item value) {
  if (!cbor_array_push(array.get(), value.get())) {
    throw std::logic_error("cbor array is full");
  }
}

common::bytes encode(const item& value) {
  unsigned char* raw = nullptr;
  std::size_t allocated = 0;
  const std::size_t length =
      cbor_serialize_alloc(value.get(), &raw, &allocated);
  const buffer owned(raw);
  if (length == 0) {
    throw std::runtime_error("cbor_serialize_alloc failed");
  }
  return {owned.get(), owned.get() + length};
}

std::optional<item> decode_prefix(common::byte_view data, std::size_t& used) {
  if (!skip_item(data, 0, 0)) {
    return std::nullopt;
  }
  cbor_load_result result{};
  cbor_item_t* raw = cbor_load(data.data(), data.size(), &result);
  if (raw == nullptr || result.error.code != CBOR_ERR_NONE) {
    if (raw != nullptr) {
      cbor_decref(&raw);
    }
    return std::nullopt;
  }
  used = result.read;
  return item(raw);
}

std::optional<item> decode(common::byte_view data) {
  std::size_t used = 0;
  auto decoded = decode_prefix(data, used);
  if (!decoded || used != data.size()) {
    return std::nullopt;
  }
  return decoded;
}

std::optional<std::int64_t> int_of(const cbor_item_t* value) {
  if (value == nullptr || !(cbor_isa_uint(value) || cbor_isa_negint(value))) {
    return std::nullopt;
  }
  const auto magnitude = cbor_get_int(value);
  if (magnitude > static_cast<std::uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  const auto v = static_cast<std::int64_t>(magnitude);
  return cbor_isa_uint(value) ? v : -1 - v;
}

std::optional<common::bytes> bytes_of(const cbor_item_t* value) {
  if (value == nullptr || !cbor_isa_bytestring(value) ||
      !cbor_bytestring_is_definite(value)) {
    return std::nullopt;
  }
  const unsigned char* p = cbor_bytestring_handle(value);
  return common::bytes(p, p + cbor_bytestring_length(value));
}

cbor_item_t* find(const cbor_item_t* map, std::int64_t key) {
  if (map == nullptr || !cbor_isa_map(map)) {
    return nullptr;
  }
  const cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    if (int_of(pairs[i].key) == key) {
      return pairs[i].value;
    }
  }
  return nullptr;
}

cbor_item_t* find(const cbor_item_t* map, std::string_view key) {
  if (map == nullptr || !cbor_isa_map(map)) {
    return nullptr;
  }
  const cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    const cbor_item_t* k = pairs[i].key;
    if (cbor_isa_string(k) && cbor_string_is_definite(k) &&
        common::as_text({cbor_string_handle(k), cbor_string_length(k)}) ==
            key) {
      return pairs[i].value;
    }
  }
  return nullptr;
}

}  // namespace test_support::cbor
