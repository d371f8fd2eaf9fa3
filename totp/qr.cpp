#include "totp/qr.hpp"

#include <qrencode.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace totp {
namespace {

struct qrcode_deleter {
  void operator()(QRcode* code) const noexcept { QRcode_free(code); }
};
using qrcode_owner = std::unique_ptr<QRcode, qrcode_deleter>;

result<qrcode_owner> encode(std::string_view text) {
  if (text.find('\0') != std::string_view::npos)
    return errc::qr_encode_failed;
  const std::string terminated(text);
  errno = 0;
  // Byte mode with case kept: otpauth URIs mix cases, and byte mode keeps
  // the symbol the same whatever characters the issuer name uses.
  qrcode_owner code(
      QRcode_encodeString(terminated.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!code)
    return errno == ERANGE ? errc::qr_input_too_long : errc::qr_encode_failed;
  return code;
}

// One subpath per horizontal run of dark modules, shifted by the quiet
// zone: "M5,4h3v1h-3z" is a run of three starting at column 1, row 0.
std::string module_path(const QRcode& code) {
  std::string path;
  const int width = code.width;
  for (int y = 0; y < width; ++y) {
    const unsigned char* row =
        code.data + static_cast<std::ptrdiff_t>(y) * width;
    for (int x = 0; x < width;) {
      if ((row[x] & 1) == 0) {
        ++x;
        continue;
      }
      const int start = x;
      while (x < width && (row[x] & 1) != 0)
        ++x;
      const std::string run = std::to_string(x - start);
      path += "M" + std::to_string(start + kQrQuietZone) + "," +
              std::to_string(y + kQrQuietZone) + "h" + run + "v1h-" + run + "z";
    }
  }
  return path;
}

}  // namespace

result<std::string> qr_svg(std::string_view text) {
  const auto code = encode(text);
  if (!code)
    return code.error();
  const int modules = (*code)->width + 2 * kQrQuietZone;
  const int scale = std::max(4, (kQrTargetPixels + modules - 1) / modules);
  const std::string size = std::to_string(modules);
  const std::string pixels = std::to_string(modules * scale);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + pixels +
         "\" height=\"" + pixels + "\" viewBox=\"0 0 " + size + " " + size +
         "\" shape-rendering=\"crispEdges\">"
         "<rect width=\"" +
         size + "\" height=\"" + size +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + module_path(**code) +
         "\"/></svg>\n";
}

}  // namespace totp
