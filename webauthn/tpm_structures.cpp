#include "webauthn/tpm_structures.hpp"

namespace webauthn {
namespace {

// Upper bounds of the TPM2B buffers (part 2): a digest is at most SHA-512
// long, a name or a TPMT_HA adds the two-byte algorithm, an RSA modulus
// is at most 4096 bits (MAX_RSA_KEY_BYTES), an ECC coordinate at most
// that of P-521.
constexpr std::size_t kMaxDigest = 64;
constexpr std::size_t kMaxName = 2 + kMaxDigest;
constexpr std::size_t kMaxData = 2 + kMaxDigest;
constexpr std::size_t kMaxRsaModulus = 512;
constexpr std::size_t kMaxEccCoordinate = 66;

// A cursor over big-endian TPM fields. A read past the end leaves the
// reader failed, and every later read fails too, so a parser checks once.
class tpm_reader {
 public:
  explicit tpm_reader(common::byte_view data) noexcept : data_(data) {}

  std::uint64_t number(std::size_t size) noexcept {
    if (failed_ || size > data_.size() - pos_) {
      failed_ = true;
      return 0;
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i)
      value = (value << 8) | data_[pos_++];
    return value;
  }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(number(2)); }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(number(4)); }

  // A TPM2B: a two-byte size, then that many bytes, at most `max`.
  common::bytes sized(std::size_t max) {
    const std::size_t size = u16();
    if (failed_ || size > max || size > data_.size() - pos_) {
      failed_ = true;
      return {};
    }
    const auto part = data_.subspan(pos_, size);
    pos_ += size;
    return {part.begin(), part.end()};
  }

  void skip(std::size_t size) noexcept {
    if (failed_ || size > data_.size() - pos_)
      failed_ = true;
    else
      pos_ += size;
  }

  void fail() noexcept { failed_ = true; }
  bool ok() const noexcept { return !failed_; }
  bool done() const noexcept { return !failed_ && pos_ == data_.size(); }

 private:
  common::byte_view data_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

bool is_name_hash(std::uint16_t alg) noexcept {
  return alg == tpm_alg::sha1 || alg == tpm_alg::sha256 ||
         alg == tpm_alg::sha384 || alg == tpm_alg::sha512;
}

// TPMT_SYM_DEF_OBJECT: an algorithm, then key bits and mode unless NULL.
void skip_symmetric(tpm_reader& in) noexcept {
  if (in.u16() != tpm_alg::null) {
    in.u16();
    in.u16();
  }
}

// TPMT_RSA_SCHEME and TPMT_ECC_SCHEME: a scheme, then its details: a hash
// for the signing and OAEP schemes, a hash and a count for ECDAA, nothing
// for RSAES and NULL.
void skip_scheme(tpm_reader& in) noexcept {
  const std::uint16_t scheme = in.u16();
  if (scheme == tpm_alg::null || scheme == tpm_alg::rsaes)
    return;
  in.u16();
  if (scheme == tpm_alg::ecdaa)
    in.u16();
}

void read_rsa(tpm_reader& in, tpm_public& out) {
  skip_symmetric(in);
  skip_scheme(in);
  out.rsa_key_bits = in.u16();
  out.rsa_exponent = in.u32();
  out.rsa_modulus = in.sized(kMaxRsaModulus);
  if (out.rsa_modulus.size() * 8 != out.rsa_key_bits)
    in.fail();
}

void read_ecc(tpm_reader& in, tpm_public& out) {
  skip_symmetric(in);
  skip_scheme(in);
  out.ecc_curve = in.u16();
  // TPMT_KDF_SCHEME: a scheme, then a hash unless NULL.
  if (in.u16() != tpm_alg::null)
    in.u16();
  out.ecc_x = in.sized(kMaxEccCoordinate);
  out.ecc_y = in.sized(kMaxEccCoordinate);
}

}  // namespace

result<tpm_public> parse_tpm_public(common::byte_view data) {
  tpm_reader in(data);
  tpm_public out;
  out.type = in.u16();
  out.name_alg = in.u16();
  out.object_attributes = in.u32();
  in.sized(kMaxDigest);  // authPolicy
  if (!in.ok() || !is_name_hash(out.name_alg))
    return errc::tpm_pub_area_malformed;
  if (out.type == tpm_alg::rsa)
    read_rsa(in, out);
  else if (out.type == tpm_alg::ecc)
    read_ecc(in, out);
  else
    return errc::tpm_pub_area_malformed;
  if (!in.done())
    return errc::tpm_pub_area_malformed;
  return out;
}

result<tpm_attest> parse_tpm_attest(common::byte_view data) {
  tpm_reader in(data);
  const std::uint32_t magic = in.u32();
  if (in.ok() && magic != kTpmGeneratedValue)
    return errc::tpm_magic_invalid;
  const std::uint16_t type = in.u16();
  if (in.ok() && type != kTpmStAttestCertify)
    return errc::tpm_type_invalid;
  tpm_attest out;
  out.qualified_signer = in.sized(kMaxName);
  out.extra_data = in.sized(kMaxData);
  // TPMS_CLOCK_INFO (clock, resetCount, restartCount, safe): read for its
  // size only. Section 8.3 has the RP ignore it, and the W3C test vector
  // carries a safe byte that is neither YES nor NO.
  in.skip(8 + 4 + 4 + 1);
  out.firmware_version = in.number(8);
  out.attested_name = in.sized(kMaxName);
  out.attested_qualified_name = in.sized(kMaxName);
  if (!in.done())
    return errc::tpm_cert_info_malformed;
  return out;
}

}  // namespace webauthn
