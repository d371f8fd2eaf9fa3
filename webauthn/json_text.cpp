#include "webauthn/json_text.hpp"

#include <vector>

namespace webauthn {
namespace {

// Counts brackets outside string literals. The text need not be valid
// JSON here: anything the count lets through still meets the full parser.
bool nesting_within(std::string_view text, std::size_t max_depth) noexcept {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

// Counts the member names of every open object while nlohmann parses. An
// object that ends with fewer members than names was given one name twice
// (nlohmann keeps the last value). Constant work per event, so a hostile
// text with thousands of members costs no more than reading it.
class duplicate_finder {
 public:
  bool operator()(nlohmann::json::parse_event_t event,
                  const nlohmann::json& value) {
    using event_t = nlohmann::json::parse_event_t;
    if (event == event_t::object_start) {
      names_.push_back(0);
    } else if (event == event_t::key && !names_.empty()) {
      ++names_.back();
    } else if (event == event_t::object_end && !names_.empty()) {
      if (value.size() != names_.back())
        duplicate_ = true;
      names_.pop_back();
    }
    return true;
  }

  bool found() const noexcept { return duplicate_; }

 private:
  std::vector<std::size_t> names_;
  bool duplicate_ = false;
};

}  // namespace

result<nlohmann::json> parse_json_text(std::string_view text,
                                       std::size_t max_depth, errc malformed) {
  if (!nesting_within(text, max_depth))
    return make_error_code(malformed);
  duplicate_finder finder;
  auto callback = [&finder](int, nlohmann::json::parse_event_t event,
                            nlohmann::json& value) {
    return finder(event, value);
  };
  nlohmann::json value = nlohmann::json::parse(text, callback, false);
  if (value.is_discarded() || finder.found())
    return make_error_code(malformed);
  return value;
}

result<std::string_view> json_string(const nlohmann::json& object,
                                     std::string_view name) {
  const nlohmann::json* member = json_find(object, name);
  if (member == nullptr)
    return errc::json_missing_member;
  if (!member->is_string())
    return errc::json_wrong_type;
  return std::string_view(member->get_ref<const std::string&>());
}

const nlohmann::json* json_find(const nlohmann::json& object,
                                std::string_view name) {
  if (!object.is_object())
    return nullptr;
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

}  // namespace webauthn
