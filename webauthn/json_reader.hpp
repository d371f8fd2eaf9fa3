// Bounded JSON reading with Boost.JSON for the texts every ceremony reads:
// the credential JSON and clientDataJSON. The rules are those of
// json_text.hpp (a nesting bound, one value and nothing after it, strict
// UTF-8, a repeated member name refused), at about a tenth of nlohmann's
// cost, which matters next to a 70 µs signature check.
//
// Thread-safe; pure functions.
#pragma once

#include "webauthn/error.hpp"

#include <boost/json/value.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace webauthn {

// Parses `text` as one JSON value nesting at most `max_depth` arrays and
// objects. Fails with `malformed` when the text is not JSON, nests deeper,
// or an object repeats a member name. Callers check the size first.
result<boost::json::value> read_json(std::string_view text,
                                     std::size_t max_depth, errc malformed);

// The member `name` of `object`, or null when absent.
const boost::json::value* find_member(const boost::json::object& object,
                                      std::string_view name);

// The member `name` as a string. Fails with json_missing_member when
// absent and json_wrong_type when not a string.
result<std::string_view> string_member(const boost::json::object& object,
                                       std::string_view name);

// The same value as nlohmann::json, for the parts of a credential that
// callers keep (the extension outputs). Recursion follows the value's own
// nesting, which read_json bounded.
nlohmann::json to_nlohmann(const boost::json::value& value);

}  // namespace webauthn
