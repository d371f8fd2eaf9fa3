// CBOR (RFC 8949) for WebAuthn: a strict pre-scan over raw bytes, an owner
// for libcbor items, and small typed accessors.
//
// libcbor allocates whatever an item header declares, so no byte reaches it
// before `cbor_prescan` has accepted the whole input: declared lengths and
// counts must fit in the bytes left, nesting stops at `kCborMaxDepth`,
// indefinite lengths, reserved values, duplicate map keys, invalid UTF-8 in
// text strings and trailing bytes are refused. The pre-scan never
// allocates more than a few pointers per map key it has actually read.
//
// Thread-safe: the functions are pure; a `cbor_ptr` is not shared.
#pragma once

#include "common/bytes.hpp"
#include "webauthn/error.hpp"

#include <cbor.h>

#include <cstdint>
#include <memory>
#include <string_view>

namespace webauthn {

using common::byte_view;

// Arrays, maps and tags may nest this deep; the outermost item is level 1.
inline constexpr std::size_t kCborMaxDepth = 16;

// The one owner of libcbor items in Latchkey.
struct cbor_item_deleter {
  void operator()(cbor_item_t* item) const noexcept { cbor_decref(&item); }
};
using cbor_ptr = std::unique_ptr<cbor_item_t, cbor_item_deleter>;

// The number of bytes of the first item of `data`, which must be well-formed
// by the rules above; bytes after it are not looked at. Used where a CBOR
// item is followed by other data (the COSE key in authenticator data).
// Fails with cbor_truncated, cbor_malformed, cbor_reserved_value,
// cbor_too_deep, cbor_indefinite_length or cbor_duplicate_key.
result<std::size_t> cbor_item_length(byte_view data);

// Accepts `data` when it is exactly one item, well-formed by the rules
// above. Fails as cbor_item_length does, or with cbor_trailing_bytes.
result<void> cbor_prescan(byte_view data);

// Pre-scans, then decodes with libcbor. Fails as cbor_prescan does, or with
// cbor_malformed if libcbor refuses what the pre-scan accepted.
result<cbor_ptr> cbor_decode(byte_view data);

// Accessors. Each fails with cbor_unexpected_type when `item` is not of
// the type asked for (a null item counts as the wrong type). Views point
// into `item` and live as long as it does.

// The value under an integer or text key; cbor_missing_key when absent.
result<const cbor_item_t*> cbor_map_get(const cbor_item_t* map,
                                        std::int64_t key);
result<const cbor_item_t*> cbor_map_get(const cbor_item_t* map,
                                        std::string_view key);

result<byte_view> cbor_bytes(const cbor_item_t* item);
result<std::string_view> cbor_text(const cbor_item_t* item);

// Unsigned and negative integers that fit in an int64_t; larger ones are
// cbor_unexpected_type too.
result<std::int64_t> cbor_int(const cbor_item_t* item);

}  // namespace webauthn
