// Bounded JSON parsing for the webauthn parsers: nlohmann::json with
// exceptions off, a nesting pre-check (so no parser stage recurses on
// hostile input) and refusal of duplicate object member names (which JSON
// parsers resolve differently, so one text could mean two things).
//
// Thread-safe; pure functions.
#pragma once

#include "webauthn/error.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

namespace webauthn {

// Parses `text` as one JSON value nesting at most `max_depth` arrays and
// objects. Fails with `malformed` when the text is not JSON, nests deeper,
// or an object repeats a member name. Callers check the size first.
result<nlohmann::json> parse_json_text(std::string_view text,
                                       std::size_t max_depth, errc malformed);

// Reads the member `name` of `object` as a string. Fails with
// json_missing_member when absent and json_wrong_type when not a string.
result<std::string_view> json_string(const nlohmann::json& object,
                                     std::string_view name);

// The member `name`, or null when absent.
const nlohmann::json* json_find(const nlohmann::json& object,
                                std::string_view name);

}  // namespace webauthn
