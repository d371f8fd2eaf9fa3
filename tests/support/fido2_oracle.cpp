#include "tests/support/fido2_oracle.hpp"

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/es384.h>
#include <fido/rs256.h>

#include <memory>
#include <optional>
#include <string>

#include "tests/support/cbor.hpp"
#include "tests/support/keys.hpp"
#include "tests/support/soft_authenticator.hpp"

namespace test_support {
namespace {

// libfido2 frees through a pointer to the handle, and nulls it.
template <class T, void (*Free)(T**)>
struct fido_deleter {
  void operator()(T* p) const noexcept { Free(&p); }
};
template <class T, void (*Free)(T**)>
using fido_owner = std::unique_ptr<T, fido_deleter<T, Free>>;

using fido_cred = fido_owner<fido_cred_t, fido_cred_free>;
using fido_assert = fido_owner<fido_assert_t, fido_assert_free>;
using es256_pk = fido_owner<es256_pk_t, es256_pk_free>;
using es384_pk = fido_owner<es384_pk_t, es384_pk_free>;
using eddsa_pk = fido_owner<eddsa_pk_t, eddsa_pk_free>;
using rs256_pk = fido_owner<rs256_pk_t, rs256_pk_free>;

// A public key in the one form fido_assert_verify takes: a type-erased
// pointer whose owner lives next to it.
struct fido_public_key {
  int alg = 0;
  std::shared_ptr<void> handle;
};

void init_once() {
  static const bool done = [] {
    fido_init(0);
    return true;
  }();
  (void)done;
}

struct attestation_parts {
  std::string fmt;
  common::bytes statement;  // attStmt re-encoded on its own
  bool has_x5c = false;
  common::bytes auth_data;
};

std::optional<attestation_parts> split(common::byte_view attestation_object) {
  const auto root = cbor::decode(attestation_object);
  if (!root) {
    return std::nullopt;
  }
  const cbor_item_t* fmt = cbor::find(root->get(), "fmt");
  cbor_item_t* statement = cbor::find(root->get(), "attStmt");
  const auto auth_data = cbor::bytes_of(cbor::find(root->get(), "authData"));
  if (fmt == nullptr || !cbor_isa_string(fmt) ||
      !cbor_string_is_definite(fmt) || statement == nullptr || !auth_data) {
    return std::nullopt;
  }
  attestation_parts parts;
  parts.fmt = std::string(
      common::as_text({cbor_string_handle(fmt), cbor_string_length(fmt)}));
  parts.statement = cbor::encode(cbor::item(cbor_incref(statement)));
  parts.has_x5c = cbor::find(statement, "x5c") != nullptr;
  parts.auth_data = *auth_data;
  return parts;
}

struct key_shape {
  std::int64_t alg = 0;
  std::int64_t kty = 0;
  std::optional<std::int64_t> crv;
  std::size_t rsa_modulus_size = 0;
};

std::optional<key_shape> shape_of(common::byte_view cose_key) {
  std::size_t used = 0;
  const auto key = cbor::decode_prefix(cose_key, used);
  if (!key) {
    return std::nullopt;
  }
  const auto alg = cbor::int_of(cbor::find(key->get(), 3));
  const auto kty = cbor::int_of(cbor::find(key->get(), 1));
  if (!alg || !kty) {
    return std::nullopt;
  }
  key_shape shape{*alg, *kty, std::nullopt, 0};
  if (*kty == 3) {
    const auto n = cbor::bytes_of(cbor::find(key->get(), -1));
    shape.rsa_modulus_size = n ? n->size() : 0;
  } else {
    shape.crv = cbor::int_of(cbor::find(key->get(), -1));
  }
  return shape;
}

// The COSE key inside attested credential data, when there is one.
std::optional<key_shape> credential_shape(common::byte_view auth_data) {
  constexpr std::size_t fixed = 32 + 1 + 4;
  if (auth_data.size() < fixed + 18 || (auth_data[32] & 0x40) == 0) {
    return std::nullopt;
  }
  const std::size_t id_length =
      static_cast<std::size_t>(auth_data[fixed + 16] << 8) |
      auth_data[fixed + 17];
  const std::size_t key_offset = fixed + 18 + id_length;
  if (key_offset >= auth_data.size()) {
    return std::nullopt;
  }
  return shape_of(auth_data.subspan(key_offset));
}

// libfido2 refuses extension outputs it was not told to expect, and
// telling it needs the request's values; such data is left unjudged.
bool has_extensions(common::byte_view auth_data) {
  return auth_data.size() > 32 && (auth_data[32] & 0x80) != 0;
}

bool libfido2_knows(const key_shape& shape) {
  switch (shape.alg) {
    case COSE_ES256:
      return shape.kty == 2 && shape.crv == 1;
    case COSE_ES384:
      return shape.kty == 2 && shape.crv == 2;
    case COSE_RS256:
      return shape.kty == 3 && shape.rsa_modulus_size == 256;
    case COSE_EDDSA:
      return shape.kty == 1 && shape.crv == 6;
    default:
      return false;
  }
}

}  // namespace

namespace {

template <class Owner, class From>
std::optional<fido_public_key> load(Owner pk, From from, int alg) {
  if (!pk || !from(pk.get())) {
    return std::nullopt;
  }
  return fido_public_key{alg, std::shared_ptr<void>(std::move(pk))};
}

common::bytes left_pad(const common::bytes& value, std::size_t size) {
  if (value.size() >= size) {
    return value;
  }
  common::bytes out(size - value.size(), 0);
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

// Builds libfido2's key from COSE fields; `shape` was checked with
// libfido2_knows, so only the byte lengths can still be wrong.
std::optional<fido_public_key> from_cose(common::byte_view cose_key,
                                         const key_shape& shape) {
  std::size_t used = 0;
  const auto key = cbor::decode_prefix(cose_key, used);
  const auto a = cbor::bytes_of(cbor::find(key->get(), -2));
  const auto b = shape.kty == 3 ? cbor::bytes_of(cbor::find(key->get(), -1))
                                : cbor::bytes_of(cbor::find(key->get(), -3));
  common::bytes raw;
  if (shape.kty == 3 && a && b) {  // n || e, e padded to three bytes
    raw = *b;
    const common::bytes e = left_pad(*a, 3);
    raw.insert(raw.end(), e.begin(), e.end());
  } else if (a) {  // x, or x || y
    raw = *a;
    if (b) {
      raw.insert(raw.end(), b->begin(), b->end());
    }
  }
  const auto alg = static_cast<int>(shape.alg);
  const auto from = [&raw](auto fn) {
    return [&raw, fn](auto* pk) {
      return fn(pk, raw.data(), raw.size()) == FIDO_OK;
    };
  };
  switch (alg) {
    case COSE_ES256:
      return load(es256_pk(es256_pk_new()), from(es256_pk_from_ptr), alg);
    case COSE_ES384:
      return load(es384_pk(es384_pk_new()), from(es384_pk_from_ptr), alg);
    case COSE_RS256:
      return load(rs256_pk(rs256_pk_new()), from(rs256_pk_from_ptr), alg);
    default:
      return load(eddsa_pk(eddsa_pk_new()), from(eddsa_pk_from_ptr), alg);
  }
}

std::optional<fido_public_key> from_evp(const EVP_PKEY* key, int alg) {
  const auto from = [key](auto fn) {
    return [key, fn](auto* pk) { return fn(pk, key) == FIDO_OK; };
  };
  switch (alg) {
    case COSE_ES256:
      return load(es256_pk(es256_pk_new()), from(es256_pk_from_EVP_PKEY), alg);
    case COSE_ES384:
      return load(es384_pk(es384_pk_new()), from(es384_pk_from_EVP_PKEY), alg);
    case COSE_RS256:
      return load(rs256_pk(rs256_pk_new()), from(rs256_pk_from_EVP_PKEY), alg);
    case COSE_EDDSA:
      return load(eddsa_pk(eddsa_pk_new()), from(eddsa_pk_from_EVP_PKEY), alg);
    default:
      return std::nullopt;
  }
}

fido2_verdict verify_assertion(std::string_view rp_id,
                               std::string_view client_data_json,
                               common::byte_view auth_data,
                               common::byte_view signature,
                               const fido_public_key& key, bool require_uv) {
  init_once();
  const fido_assert a(fido_assert_new());
  const common::bytes hash = sha256(common::as_bytes(client_data_json));
  const std::string rp(rp_id);
  const bool ready =
      a && fido_assert_set_count(a.get(), 1) == FIDO_OK &&
      fido_assert_set_clientdata_hash(a.get(), hash.data(), hash.size()) ==
          FIDO_OK &&
      fido_assert_set_rp(a.get(), rp.c_str()) == FIDO_OK &&
      fido_assert_set_authdata_raw(a.get(), 0, auth_data.data(),
                                   auth_data.size()) == FIDO_OK &&
      fido_assert_set_sig(a.get(), 0, signature.data(), signature.size()) ==
          FIDO_OK &&
      fido_assert_set_up(a.get(), FIDO_OPT_TRUE) == FIDO_OK &&
      (!require_uv || fido_assert_set_uv(a.get(), FIDO_OPT_TRUE) == FIDO_OK);
  if (!ready) {
    return fido2_verdict::refused;
  }
  return fido_assert_verify(a.get(), 0, key.alg, key.handle.get()) == FIDO_OK
             ? fido2_verdict::accepted
             : fido2_verdict::refused;
}

}  // namespace

std::string_view name_of(fido2_verdict verdict) noexcept {
  switch (verdict) {
    case fido2_verdict::accepted:
      return "accepted";
    case fido2_verdict::refused:
      return "refused";
    case fido2_verdict::unsupported:
      return "unsupported";
  }
  return "unknown";
}

fido2_verdict fido2_judge_registration(std::string_view rp_id,
                                       std::string_view client_data_json,
                                       common::byte_view attestation_object,
                                       bool require_uv) {
  init_once();
  const auto parts = split(attestation_object);
  if (!parts) {
    return fido2_verdict::refused;
  }
  const auto shape = credential_shape(parts->auth_data);
  if (!shape) {
    // libfido2 would run the same unbounded libcbor decode on the key.
    return fido2_verdict::refused;
  }
  const bool known_format =
      parts->fmt == "packed" || parts->fmt == "fido-u2f" || parts->fmt == "tpm";
  if (!known_format || has_extensions(parts->auth_data) ||
      !libfido2_knows(*shape)) {
    return fido2_verdict::unsupported;
  }
  const fido_cred cred(fido_cred_new());
  const common::bytes hash = sha256(common::as_bytes(client_data_json));
  const std::string rp(rp_id);
  const bool ready =
      cred &&
      fido_cred_set_type(cred.get(), static_cast<int>(shape->alg)) == FIDO_OK &&
      fido_cred_set_clientdata_hash(cred.get(), hash.data(), hash.size()) ==
          FIDO_OK &&
      fido_cred_set_rp(cred.get(), rp.c_str(), nullptr) == FIDO_OK &&
      fido_cred_set_authdata_raw(cred.get(), parts->auth_data.data(),
                                 parts->auth_data.size()) == FIDO_OK &&
      fido_cred_set_fmt(cred.get(), parts->fmt.c_str()) == FIDO_OK &&
      fido_cred_set_attstmt(cred.get(), parts->statement.data(),
                            parts->statement.size()) == FIDO_OK &&
      (!require_uv || fido_cred_set_uv(cred.get(), FIDO_OPT_TRUE) == FIDO_OK);
  if (!ready) {
    return fido2_verdict::refused;
  }
  const int r = parts->has_x5c ? fido_cred_verify(cred.get())
                               : fido_cred_verify_self(cred.get());
  return r == FIDO_OK ? fido2_verdict::accepted : fido2_verdict::refused;
}

fido2_verdict fido2_judge_registration(const registration& reg,
                                       bool require_uv) {
  return fido2_judge_registration(reg.rp_id, reg.client_data_json,
                                  reg.attestation_object, require_uv);
}

fido2_verdict fido2_judge_assertion(std::string_view rp_id,
                                    std::string_view client_data_json,
                                    common::byte_view authenticator_data,
                                    common::byte_view signature,
                                    common::byte_view cose_key,
                                    bool require_uv) {
  const auto shape = shape_of(cose_key);
  if (!shape) {
    return fido2_verdict::refused;
  }
  if (!libfido2_knows(*shape) || has_extensions(authenticator_data)) {
    return fido2_verdict::unsupported;
  }
  const auto key = from_cose(cose_key, *shape);
  if (!key) {
    return fido2_verdict::refused;
  }
  return verify_assertion(rp_id, client_data_json, authenticator_data,
                          signature, *key, require_uv);
}

fido2_verdict fido2_judge_assertion(std::string_view rp_id,
                                    std::string_view client_data_json,
                                    common::byte_view authenticator_data,
                                    common::byte_view signature,
                                    const EVP_PKEY* key, int cose_alg,
                                    bool require_uv) {
  const auto loaded = from_evp(key, cose_alg);
  if (!loaded || has_extensions(authenticator_data)) {
    return fido2_verdict::unsupported;
  }
  return verify_assertion(rp_id, client_data_json, authenticator_data,
                          signature, *loaded, require_uv);
}

fido2_verdict fido2_judge_assertion(const assertion& a, bool require_uv) {
  return fido2_judge_assertion(a.rp_id, a.client_data_json, a.auth_data_bytes,
                               a.signature, a.key.pkey.get(),
                               default_alg(a.key.type), require_uv);
}

bool fido2_accepts_registration(const registration& reg, bool require_uv) {
  return fido2_judge_registration(reg, require_uv) == fido2_verdict::accepted;
}

bool fido2_accepts_assertion(const assertion& a, bool require_uv) {
  return fido2_judge_assertion(a, require_uv) == fido2_verdict::accepted;
}

}  // namespace test_support
