#include "webauthn/client_data.hpp"

#include "common/encoding.hpp"
#include "webauthn/json_reader.hpp"
#include "webauthn/utf8.hpp"

namespace webauthn {
namespace {

constexpr std::size_t kMaxDepth = 16;

result<void> read_optional_members(const boost::json::object& object,
                                   client_data& out) {
  if (const auto* cross = find_member(object, "crossOrigin")) {
    if (!cross->is_bool())
      return errc::json_wrong_type;
    out.cross_origin = cross->get_bool();
  }
  if (const auto* top = find_member(object, "topOrigin")) {
    const auto* text = top->if_string();
    if (text == nullptr)
      return errc::json_wrong_type;
    out.top_origin = std::string(*text);
  }
  return {};
}

}  // namespace

result<client_data> parse_client_data(common::byte_view raw) {
  if (raw.size() > kClientDataMaxSize)
    return errc::input_too_large;
  if (utf8_valid_prefix(raw) != raw.size())
    return errc::client_data_not_utf8;
  const auto parsed =
      read_json(common::as_text(raw), kMaxDepth, errc::client_data_malformed);
  if (!parsed)
    return parsed.error();
  const boost::json::object* object = parsed->if_object();
  if (object == nullptr)
    return errc::client_data_malformed;

  const auto type = string_member(*object, "type");
  if (!type)
    return type.error();
  const auto challenge = string_member(*object, "challenge");
  if (!challenge)
    return challenge.error();
  const auto origin = string_member(*object, "origin");
  if (!origin)
    return origin.error();

  client_data out;
  auto decoded = common::base64url_decode(*challenge);
  if (!decoded)
    return errc::base64url_invalid;
  out.type = std::string(*type);
  out.challenge = std::move(*decoded);
  out.origin = std::string(*origin);
  if (const auto r = read_optional_members(*object, out); !r)
    return r.error();
  return out;
}

}  // namespace webauthn
