#include "tests/support/mds_blob.hpp"

#include "common/encoding.hpp"
#include "common/openssl.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace test_support {
namespace {

// ECDSA DER -> r || s, as JWS carries it.
common::bytes jws_ecdsa(const common::bytes& der) {
  const unsigned char* p = der.data();
  const common::ossl::ecdsa_sig sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  common::bytes out(64);
  if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + 32, 32) != 32)
    throw std::runtime_error("cannot convert an ECDSA signature for JWS");
  return out;
}

}  // namespace

std::string base64_standard(common::byte_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                      static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

certificate make_mds_signer(key_type key) {
  cert_options options;
  options.organizational_unit = "Metadata";
  options.common_name = kTestMdsHost;
  options.key = key;
  return make_attestation_cert(test_root_ca(), options);
}

std::string make_mds_blob(const nlohmann::json& payload,
                          const certificate& signer, const std::string& alg) {
  const bool ec = signer.key.type == key_type::es256;
  const nlohmann::json header = {
      {"alg", alg.empty() ? (ec ? "ES256" : "RS256") : alg},
      {"typ", "JWT"},
      {"x5c", {base64_standard(signer.der)}}};
  const std::string input =
      common::base64url_encode(common::as_bytes(header.dump())) + "." +
      common::base64url_encode(common::as_bytes(payload.dump()));
  const common::bytes signature = signer.key.sign(common::as_bytes(input));
  return input + "." +
         common::base64url_encode(ec ? jws_ecdsa(signature) : signature);
}

}  // namespace test_support
