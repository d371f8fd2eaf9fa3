#include "webauthn/android_key_description.hpp"

#include "webauthn/der_reader.hpp"

#include <algorithm>

namespace webauthn {
namespace {

constexpr std::uint32_t kTagPurpose = 1;
constexpr std::uint32_t kTagAllApplications = 600;
constexpr std::uint32_t kTagOrigin = 702;
// More purposes than Keymaster defines means a malformed list.
constexpr std::size_t kMaxPurposes = 16;

std::optional<std::int64_t> read_integer(der_reader& in, std::uint32_t tag) {
  const auto element = in.next();
  if (!element || !element->is(der_class::universal, false, tag))
    return std::nullopt;
  return der_small_unsigned(element->content);
}

// [1] EXPLICIT SET OF INTEGER.
bool read_purposes(common::byte_view content, std::vector<std::int64_t>& out) {
  const auto set = der_single(content);
  if (!set || !set->is(der_class::universal, true, der_tag::set))
    return false;
  der_reader in(set->content);
  while (!in.empty()) {
    const auto value = read_integer(in, der_tag::integer);
    if (!value || out.size() == kMaxPurposes)
      return false;
    out.push_back(*value);
  }
  return true;
}

bool read_field(const der_element& field, android_authorization_list& out) {
  if (field.number == kTagPurpose)
    return read_purposes(field.content, out.purposes);
  const auto inner = der_single(field.content);
  if (!inner)
    return false;
  if (field.number == kTagAllApplications) {
    out.all_applications = true;
    return inner->is(der_class::universal, false, der_tag::null) &&
           inner->content.empty();
  }
  if (field.number == kTagOrigin) {
    out.origin = inner->is(der_class::universal, false, der_tag::integer)
                     ? der_small_unsigned(inner->content)
                     : std::nullopt;
    return out.origin.has_value();
  }
  return true;  // a field section 8.4 does not look at
}

// Fields are context-specific, constructed (EXPLICIT) and in increasing
// tag order, as DER writes a SEQUENCE of distinct optional fields; that
// order also rules out a field given twice.
std::optional<android_authorization_list> read_authorization_list(
    der_reader& outer) {
  const auto list = outer.next();
  if (!list || !list->is(der_class::universal, true, der_tag::sequence))
    return std::nullopt;
  android_authorization_list out;
  der_reader in(list->content);
  std::uint32_t previous = 0;
  bool first = true;
  while (!in.empty()) {
    const auto field = in.next();
    if (!field || field->tag_class != der_class::context ||
        !field->constructed || (!first && field->number <= previous) ||
        !read_field(*field, out))
      return std::nullopt;
    previous = field->number;
    first = false;
  }
  return out;
}

}  // namespace

result<android_key_description> parse_android_key_description(
    common::byte_view der) {
  const auto top = der_single(der);
  if (!top || !top->is(der_class::universal, true, der_tag::sequence))
    return errc::android_key_description_malformed;
  der_reader in(top->content);
  android_key_description out;
  const auto version = read_integer(in, der_tag::integer);
  const auto level = read_integer(in, der_tag::enumerated);
  const auto keymint = read_integer(in, der_tag::integer);
  const auto keymint_level = read_integer(in, der_tag::enumerated);
  const auto challenge = in.next();
  const auto unique_id = in.next();
  if (!version || !level || !keymint || !keymint_level || !challenge ||
      !challenge->is(der_class::universal, false, der_tag::octet_string) ||
      !unique_id ||
      !unique_id->is(der_class::universal, false, der_tag::octet_string))
    return errc::android_key_description_malformed;
  auto software = read_authorization_list(in);
  auto tee = read_authorization_list(in);
  if (!software || !tee || !in.empty())
    return errc::android_key_description_malformed;
  out.attestation_version = *version;
  out.attestation_security_level = *level;
  out.keymint_version = *keymint;
  out.keymint_security_level = *keymint_level;
  out.attestation_challenge.assign(challenge->content.begin(),
                                   challenge->content.end());
  out.software_enforced = std::move(*software);
  out.tee_enforced = std::move(*tee);
  return out;
}

result<void> check_android_authorizations(
    const android_key_description& description, android_key_scope scope) {
  const android_authorization_list& tee = description.tee_enforced;
  const android_authorization_list& software = description.software_enforced;
  if (tee.all_applications || software.all_applications)
    return errc::android_key_all_applications_present;
  // A key has one origin: every list considered that states one must say
  // generated, and at least one must state it.
  const bool use_software = scope == android_key_scope::tee_and_software;
  const auto origin_ok = [](const android_authorization_list& list) {
    return !list.origin || *list.origin == kKmOriginGenerated;
  };
  if (!origin_ok(tee) || (use_software && !origin_ok(software)) ||
      !(tee.origin || (use_software && software.origin)))
    return errc::android_key_origin_not_generated;
  const auto signs = [](const android_authorization_list& list) {
    return std::ranges::find(list.purposes, kKmPurposeSign) !=
           list.purposes.end();
  };
  if (!signs(tee) && !(use_software && signs(software)))
    return errc::android_key_purpose_not_sign;
  return {};
}

}  // namespace webauthn
