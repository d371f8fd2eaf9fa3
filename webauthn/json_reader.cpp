#include "webauthn/json_reader.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <vector>

namespace webauthn {
namespace {

namespace bj = boost::json;
using boost::system::error_code;

// Builds the value as Boost.JSON's own parser does, and also records how
// many members each object was given, in the order the objects began.
// Boost.JSON keeps the last of repeated names, so an object that ends up
// smaller than its count was given one name twice.
class counting_handler {
 public:
  static constexpr std::size_t max_object_size = bj::object::max_size();
  static constexpr std::size_t max_array_size = bj::array::max_size();
  static constexpr std::size_t max_key_size = bj::string::max_size();
  static constexpr std::size_t max_string_size = bj::string::max_size();

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    open_.push_back(counts_.size());
    counts_.push_back(0);
    return true;
  }
  bool on_object_end(std::size_t n, error_code&) {
    counts_[open_.back()] = n;
    open_.pop_back();
    stack_.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_key_part(bj::string_view s, std::size_t, error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, error_code&) {
    stack_.push_key(s);
    return true;
  }
  bool on_string_part(bj::string_view s, std::size_t, error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_number_part(bj::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, bj::string_view, error_code&) {
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, bj::string_view, error_code&) {
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double d, bj::string_view, error_code&) {
    stack_.push_double(d);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    stack_.push_null();
    return true;
  }
  // Comments are off in the parse options; these are never called.
  bool on_comment_part(bj::string_view, error_code&) { return true; }
  bool on_comment(bj::string_view, error_code&) { return true; }

  bj::value release() { return stack_.release(); }
  const std::vector<std::size_t>& counts() const noexcept { return counts_; }

 private:
  bj::value_stack stack_;
  std::vector<std::size_t> counts_;  // members per object, in begin order
  std::vector<std::size_t> open_;    // indexes into counts_ of open objects
};

// Visits objects in the order they began, as the handler counted them. A
// parent is checked before its children, so a shortened object stops the
// walk before the order of the rest could drift.
bool members_all_kept(const bj::value& value,
                      const std::vector<std::size_t>& counts,
                      std::size_t& next) {
  if (const bj::object* object = value.if_object()) {
    if (next >= counts.size() || counts[next++] != object->size())
      return false;
    for (const auto& member : *object) {
      if (!members_all_kept(member.value(), counts, next))
        return false;
    }
  } else if (const bj::array* array = value.if_array()) {
    for (const bj::value& element : *array) {
      if (!members_all_kept(element, counts, next))
        return false;
    }
  }
  return true;
}

}  // namespace

result<bj::value> read_json(std::string_view text, std::size_t max_depth,
                            errc malformed) {
  bj::parse_options options;
  options.max_depth = max_depth;
  bj::basic_parser<counting_handler> parser(options);
  error_code ec;
  const std::size_t used =
      parser.write_some(false, text.data(), text.size(), ec);
  if (ec || used != text.size())
    return make_error_code(malformed);
  bj::value value = parser.handler().release();
  std::size_t next = 0;
  if (!members_all_kept(value, parser.handler().counts(), next))
    return make_error_code(malformed);
  return value;
}

const bj::value* find_member(const bj::object& object, std::string_view name) {
  return object.if_contains(bj::string_view(name.data(), name.size()));
}

result<std::string_view> string_member(const bj::object& object,
                                       std::string_view name) {
  const bj::value* member = find_member(object, name);
  if (member == nullptr)
    return errc::json_missing_member;
  const bj::string* text = member->if_string();
  if (text == nullptr)
    return errc::json_wrong_type;
  return std::string_view(text->data(), text->size());
}

nlohmann::json to_nlohmann(const bj::value& value) {
  switch (value.kind()) {
    case bj::kind::null:
      return nullptr;
    case bj::kind::bool_:
      return value.get_bool();
    case bj::kind::int64:
      return value.get_int64();
    case bj::kind::uint64:
      return value.get_uint64();
    case bj::kind::double_:
      return value.get_double();
    case bj::kind::string:
      return std::string(value.get_string());
    case bj::kind::array: {
      nlohmann::json out = nlohmann::json::array();
      for (const bj::value& element : value.get_array())
        out.push_back(to_nlohmann(element));
      return out;
    }
    case bj::kind::object: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& member : value.get_object())
        out[std::string(member.key())] = to_nlohmann(member.value());
      return out;
    }
  }
  return nullptr;
}

}  // namespace webauthn
