#include "webauthn/client_data.hpp"

#include "common/encoding.hpp"
#include "webauthn/json_text.hpp"
#include "webauthn/utf8.hpp"

namespace webauthn {
namespace {

constexpr std::size_t kMaxDepth = 16;

result<void> read_optional_members(const nlohmann::json& object,
                                   client_data& out) {
  if (const auto* cross = json_find(object, "crossOrigin")) {
    if (!cross->is_boolean())
      return errc::json_wrong_type;
    out.cross_origin = cross->get<bool>();
  }
  if (const auto* top = json_find(object, "topOrigin")) {
    if (!top->is_string())
      return errc::json_wrong_type;
    out.top_origin = top->get<std::string>();
  }
  return {};
}

}  // namespace

result<client_data> parse_client_data(common::byte_view raw) {
  if (raw.size() > kClientDataMaxSize)
    return errc::input_too_large;
  if (utf8_valid_prefix(raw) != raw.size())
    return errc::client_data_not_utf8;
  const auto parsed = parse_json_text(common::as_text(raw), kMaxDepth,
                                      errc::client_data_malformed);
  if (!parsed)
    return parsed.error();
  const nlohmann::json& object = *parsed;
  if (!object.is_object())
    return errc::client_data_malformed;

  const auto type = json_string(object, "type");
  if (!type)
    return type.error();
  const auto challenge = json_string(object, "challenge");
  if (!challenge)
    return challenge.error();
  const auto origin = json_string(object, "origin");
  if (!origin)
    return origin.error();

  client_data out;
  auto decoded = common::base64url_decode(*challenge);
  if (!decoded)
    return errc::base64url_invalid;
  out.type = std::string(*type);
  out.challenge = std::move(*decoded);
  out.origin = std::string(*origin);
  if (const auto r = read_optional_members(object, out); !r)
    return r.error();
  return out;
}

}  // namespace webauthn
