// The QR code must read back as the exact URI with independent tools:
// librsvg renders the SVG to PNG and zbar decodes it.
#include "totp/qr.hpp"

#include "child_process.hpp"
#include "totp/key_uri.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;

// A private directory for the rendered files, removed afterwards.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string pattern =
        (fs::temp_directory_path() / "latchkey-qr-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temp_dir() { fs::remove_all(path); }
};

bool have_tools() {
  return totp_test::have_program("rsvg-convert") &&
         totp_test::have_program("zbarimg");
}

// Renders and decodes; returns what zbar read, without its final newline.
std::string round_trip(const std::string& svg, const temp_dir& dir) {
  const fs::path svg_file = dir.path / "code.svg";
  const fs::path png_file = dir.path / "code.png";
  std::ofstream(svg_file) << svg;
  const auto rendered = totp_test::run({"rsvg-convert", "-f", "png", "-o",
                                        png_file.string(), svg_file.string()});
  REQUIRE(rendered.exit_status == 0);
  const auto decoded =
      totp_test::run({"zbarimg", "--raw", "-q", png_file.string()});
  REQUIRE(decoded.exit_status == 0);
  std::string text = decoded.out;
  if (!text.empty() && text.back() == '\n')
    text.pop_back();
  return text;
}

std::string uri_for(std::string_view issuer, std::string_view account,
                    const totp::params& p) {
  const auto key = totp::generate_secret(p.hash);
  REQUIRE(key.has_value());
  const auto uri = totp::make_key_uri(issuer, account, *key, p);
  REQUIRE(uri.has_value());
  return *uri;
}

}  // namespace

TEST_CASE("the QR code decodes back to the exact URI") {
  // The test command installs both; skipping would pass unchecked.
  REQUIRE_MESSAGE(have_tools(),
                  "rsvg-convert or zbarimg is missing: run .ci/setup");
  const temp_dir dir;
  const std::string uris[] = {
      uri_for("Acme", "alice@example.com", {}),
      uri_for("Bücher & Co", "jürgen müller",
              {totp::algorithm::sha256, 8, 60, 1}),
      uri_for("東京 Bank", "ユーザー", {}),
      uri_for("Latchkey", std::string(200, 'a'),
              {totp::algorithm::sha512, 7, 30, 1}),
  };
  int decoded = 0;
  for (const auto& uri : uris) {
    CAPTURE(uri);
    const auto svg = totp::qr_svg(uri);
    REQUIRE(svg.has_value());
    CHECK(round_trip(*svg, dir) == uri);
    ++decoded;
  }
  MESSAGE(decoded << " QR codes rendered by rsvg-convert and read back "
                     "exactly by zbarimg");
}

TEST_CASE("the SVG is deterministic, with a quiet zone and module path") {
  const std::string uri =
      "otpauth://totp/Acme:alice?secret=GEZDGNBVGY3TQOJQ"
      "GEZDGNBVGY3TQOJQ&issuer=Acme";
  const auto first = totp::qr_svg(uri);
  const auto second = totp::qr_svg(uri);
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(*first == *second);
  // This URI needs version 5 at level M: 37 modules, plus 4 on each side.
  CHECK(first->find("viewBox=\"0 0 45 45\"") != std::string::npos);
  CHECK(first->find("width=\"360\" height=\"360\"") != std::string::npos);
  // The finder pattern's top row starts inside the quiet zone's edge.
  CHECK(first->find("d=\"M4,4h7v1h-7z") != std::string::npos);
  CHECK(first->starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
}

TEST_CASE("text too long for any QR code is refused") {
  CHECK(totp::qr_svg(std::string(3000, 'a')).error() ==
        totp::errc::qr_input_too_long);
  CHECK(totp::qr_svg(std::string_view("a\0b", 3)).error() ==
        totp::errc::qr_encode_failed);
}
