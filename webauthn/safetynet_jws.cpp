#include "webauthn/safetynet_jws.hpp"

#include "common/encoding.hpp"
#include "webauthn/json_text.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <limits>
#include <optional>

namespace webauthn {
namespace {

// The JSON of a header or payload is flat; a little depth is allowed for
// members Latchkey ignores (apkCertificateDigestSha256 is an array).
constexpr std::size_t kMaxJsonDepth = 4;
constexpr std::size_t kMaxCertificates = 8;
// EVP_DecodeBlock takes an int; no certificate comes near this.
constexpr std::size_t kMaxBase64 = 64 * 1024;

// Strict standard base64: decoded, then encoded again, must give the same
// text, which refuses white space, missing padding and stray bits.
std::optional<common::bytes> base64_standard_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > kMaxBase64)
    return std::nullopt;
  common::bytes out(text.size() / 4 * 3);
  const int length = EVP_DecodeBlock(
      out.data(), reinterpret_cast<const unsigned char*>(text.data()),
      static_cast<int>(text.size()));
  if (length < 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  const std::size_t padding = text.ends_with("==")  ? 2
                              : text.ends_with("=") ? 1
                                                    : 0;
  out.resize(static_cast<std::size_t>(length) - padding);
  if (base64_standard_encode(out) != text)
    return std::nullopt;
  return out;
}

std::optional<nlohmann::json> decode_part(std::string_view part) {
  const auto raw = common::base64url_decode(part);
  if (!raw)
    return std::nullopt;
  auto json = parse_json_text(common::as_text(*raw), kMaxJsonDepth,
                              errc::safetynet_response_malformed);
  if (!json || !json->is_object())
    return std::nullopt;
  return std::move(*json);
}

bool read_header(const nlohmann::json& header, safetynet_response& out) {
  const nlohmann::json* alg = json_find(header, "alg");
  const nlohmann::json* x5c = json_find(header, "x5c");
  if (alg == nullptr || !alg->is_string() || x5c == nullptr ||
      !x5c->is_array() || x5c->empty() || x5c->size() > kMaxCertificates)
    return false;
  out.algorithm = alg->get<std::string>();
  for (const nlohmann::json& entry : *x5c) {
    if (!entry.is_string())
      return false;
    auto der = base64_standard_decode(entry.get_ref<const std::string&>());
    if (!der)
      return false;
    out.certificates.push_back(std::move(*der));
  }
  return true;
}

bool read_payload(const nlohmann::json& payload, safetynet_response& out) {
  const nlohmann::json* nonce = json_find(payload, "nonce");
  const nlohmann::json* timestamp = json_find(payload, "timestampMs");
  const nlohmann::json* cts = json_find(payload, "ctsProfileMatch");
  if (nonce == nullptr || !nonce->is_string() || timestamp == nullptr ||
      !timestamp->is_number_integer() || cts == nullptr || !cts->is_boolean())
    return false;
  // A timestamp beyond int64 is no real time; nlohmann stores it unsigned.
  if (timestamp->is_number_unsigned() &&
      timestamp->get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return false;
  out.nonce = nonce->get<std::string>();
  out.timestamp_ms = timestamp->get<std::int64_t>();
  out.cts_profile_match = cts->get<bool>();
  return true;
}

}  // namespace

std::string base64_standard_encode(common::byte_view data) {
  std::string out((data.size() + 2) / 3 * 4 + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                      static_cast<int>(data.size()));
  out.resize(length < 0 ? 0 : static_cast<std::size_t>(length));
  return out;
}

result<safetynet_response> parse_safetynet_response(std::string_view compact) {
  const std::size_t first = compact.find('.');
  const std::size_t second =
      first == std::string_view::npos ? first : compact.find('.', first + 1);
  if (second == std::string_view::npos ||
      compact.find('.', second + 1) != std::string_view::npos)
    return errc::safetynet_response_malformed;
  safetynet_response out;
  const auto header = decode_part(compact.substr(0, first));
  const auto payload =
      decode_part(compact.substr(first + 1, second - first - 1));
  auto signature = common::base64url_decode(compact.substr(second + 1));
  if (!header || !payload || !signature || signature->empty() ||
      !read_header(*header, out) || !read_payload(*payload, out))
    return errc::safetynet_response_malformed;
  out.signing_input = std::string(compact.substr(0, second));
  out.signature = std::move(*signature);
  return out;
}

result<void> check_safetynet_timestamp(std::int64_t timestamp_ms,
                                       common::time_point now,
                                       const safetynet_freshness& freshness) {
  using std::chrono::milliseconds;
  const std::int64_t now_ms =
      std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
  // Compared as differences of int64 milliseconds, with no overflow for
  // any timestamp: both are bounded by int64 and checked before subtracting.
  if (timestamp_ms > now_ms &&
      static_cast<std::uint64_t>(timestamp_ms) -
              static_cast<std::uint64_t>(now_ms) >
          static_cast<std::uint64_t>(freshness.future_tolerance.count()))
    return errc::safetynet_timestamp_in_future;
  if (timestamp_ms<now_ms&& static_cast<std::uint64_t>(now_ms) -
                   static_cast<std::uint64_t>(
                       timestamp_ms)> static_cast<std::uint64_t>(freshness
                                                                     .max_age
                                                                     .count()))
    return errc::safetynet_timestamp_too_old;
  return {};
}

}  // namespace webauthn
