// The error model every layer shares.
//
// Each layer declares one `enum class errc` whose values name the rule that
// failed, and a category for it built from `enum_category`. Functions that
// can fail return `boost::system::result<T>`, so a caller cannot use a value
// without looking at whether it exists. Nothing here throws.
//
// Thread-safe: categories are immutable singletons.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace common {

template <class T>
using result = boost::system::result<T>;
using boost::system::error_code;

// Boost's error_category has a non-virtual destructor by design: categories
// are static singletons that are never deleted through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"

// A category that also knows each value's short machine-readable name
// ("challenge_mismatch"), used in logs and in API answers.
class named_category : public boost::system::error_category {
 public:
  virtual std::string_view code_name(int value) const noexcept = 0;

 protected:
  ~named_category() = default;
};

// A category whose messages come from `describe(E)` and whose short names
// come from `name_of(E)`, both found by argument-dependent lookup in the
// enum's namespace. `name` is the category name, such as "webauthn".
template <class E>
class enum_category final : public named_category {
 public:
  explicit constexpr enum_category(const char* name) noexcept : name_(name) {}

  std::string_view code_name(int value) const noexcept override {
    return name_of(static_cast<E>(value));
  }

  const char* name() const noexcept override { return name_; }

  std::string message(int value) const override {
    return std::string(describe(static_cast<E>(value)));
  }

  char const* message(int value, char* buffer,
                      std::size_t size) const noexcept override {
    const std::string_view text = describe(static_cast<E>(value));
    if (size == 0)
      return buffer;
    const std::size_t n = text.size() < size - 1 ? text.size() : size - 1;
    text.copy(buffer, n);
    buffer[n] = '\0';
    return buffer;
  }

 private:
  const char* name_;
};

#pragma GCC diagnostic pop

// The short machine-readable name of an error ("challenge_mismatch"), for
// logs and API answers. Falls back to the category name and number for
// codes from outside Latchkey.
std::string error_name(const error_code& ec);

// One row per error value, in enum order: the short name and the sentence
// a person reads. Layers keep a table of these so that a value's name and
// text are written once, side by side.
struct error_info {
  std::string_view name;
  std::string_view text;
};

template <std::size_t N>
constexpr error_info lookup_error(const error_info (&table)[N], int value) {
  if (value < 0 || static_cast<std::size_t>(value) >= N) {
    return {"unknown", "unknown error"};
  }
  return table[value];
}

// Errors of the common layer itself.
enum class errc {
  ok = 0,
  base64url_bad_character,
  base64url_padding,
  base64url_bad_length,
  base64url_noncanonical_tail,
  hex_bad_character,
  hex_odd_length,
  random_failed,
  too_large,
  base32_bad_character,
  base32_bad_padding,
  base32_bad_length,
  base32_noncanonical_tail,
  count_  // not an error: the number of values
};

std::string_view describe(errc e) noexcept;
std::string_view name_of(errc e) noexcept;
const boost::system::error_category& common_category() noexcept;

inline error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), common_category()};
}

}  // namespace common

template <>
struct boost::system::is_error_code_enum<common::errc> : std::true_type {};
