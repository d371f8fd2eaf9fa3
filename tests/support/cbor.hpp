// A thin owner layer over libcbor for building and reading test data:
// integers, byte and text strings, definite maps and arrays, serialized
// into bytes. Map entries keep the order they are added in, so callers
// write CTAP2 canonical order themselves when they want it.
//
// Not thread-safe per item; items are never shared between threads here.
#pragma once

#include <cbor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "common/bytes.hpp"

namespace test_support::cbor {

struct item_deleter {
  void operator()(cbor_item_t* item) const noexcept { cbor_decref(&item); }
};
// One reference to a libcbor item; the item dies with its last reference.
using item = std::unique_ptr<cbor_item_t, item_deleter>;

item integer(std::int64_t value);
item byte_string(common::byte_view data);
item text(std::string_view value);
item boolean(bool value);
item map(std::size_t size);
item array(std::size_t size);

// Adds one entry; the map takes its own references to key and value.
void put(const item& map, item key, item value);
void push(const item& array, item value);

// The definite-length encoding of `value`.
common::bytes encode(const item& value);

// Decodes exactly one item from `data`; nullopt on malformed input,
// trailing bytes, indefinite lengths, nesting deeper than 16, or declared
// counts longer than the input (checked before libcbor allocates).
std::optional<item> decode(common::byte_view data);

// Decodes the first item of `data` and says how many bytes it used.
std::optional<item> decode_prefix(common::byte_view data, std::size_t& used);

// The value under an integer or text key of a map, or null.
cbor_item_t* find(const cbor_item_t* map, std::int64_t key);
cbor_item_t* find(const cbor_item_t* map, std::string_view key);

// The bytes of a definite byte string, or nullopt for any other item.
std::optional<common::bytes> bytes_of(const cbor_item_t* value);
// The value of an unsigned or negative integer item, or nullopt.
std::optional<std::int64_t> int_of(const cbor_item_t* value);

}  // namespace test_support::cbor
