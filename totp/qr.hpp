// QR codes for enrolling an authenticator app: the otpauth URI as an SVG
// image that a phone camera reads off a screen.
//
// Error correction level M (15 % of the symbol can be lost: enough for
// glare on a screen, and smaller than Q or H), byte mode, the smallest
// version that fits. The SVG draws every dark module as part of one path
// on a white square with the 4-module quiet zone that ISO/IEC 18004
// requires; its viewBox is in modules and its default size is a whole
// number of pixels per module, at least 4 and enough for about 320 px,
// which phones read comfortably at arm's length. The output is a pure
// function of the text: the same text always gives the same bytes.
//
// The text may carry a TOTP secret: callers serve the SVG with
// Cache-Control: no-store and never log it.
//
// Thread-safe: Debian's libqrencode is built with pthread support.
#pragma once

#include "totp/error.hpp"

#include <string>
#include <string_view>

namespace totp {

inline constexpr int kQrQuietZone = 4;       // modules on each side
inline constexpr int kQrTargetPixels = 320;  // default rendered size, about

// The SVG document. Fails with qr_input_too_long when the text does not
// fit in a version 40 symbol at level M (2331 bytes), or qr_encode_failed
// (a NUL byte in the text, or libqrencode out of memory).
result<std::string> qr_svg(std::string_view text);

}  // namespace totp
