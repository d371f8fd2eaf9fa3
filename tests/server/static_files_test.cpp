#include "server/static_files.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using server::static_files;

TEST_CASE("the built-in pages include the index, script and style") {
  const auto pages = static_files::built_in();
  REQUIRE(pages.find("/") != nullptr);
  CHECK(pages.find("/")->content_type == "text/html; charset=utf-8");
  CHECK(pages.find("/app.js") != nullptr);
  CHECK(pages.find("/style.css") != nullptr);
  CHECK(pages.find("/missing.js") == nullptr);
}

TEST_CASE("the built-in pages are byte for byte the files of web_demo/") {
  const auto pages = static_files::built_in();
  std::ifstream in(std::string(LATCHKEY_SOURCE_DIR) + "/web_demo/index.html",
                   std::ios::binary);
  const std::string on_disk((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
  CHECK(pages.find("/index.html")->body == on_disk);
}

TEST_CASE("content types follow the extension") {
  CHECK(server::content_type_for("a.svg") == "image/svg+xml");
  CHECK(server::content_type_for("a.json") == "application/json");
  CHECK(server::content_type_for("a.exe") == "application/octet-stream");
  CHECK(server::content_type_for("noextension") == "application/octet-stream");
}

TEST_CASE("a web root is read once, only its own files are served") {
  namespace fs = std::filesystem;
  const auto root = fs::temp_directory_path() /
                    ("latchkey-web-" + std::to_string(::getpid()));
  fs::create_directories(root / "sub");
  std::ofstream(root / "index.html") << "<p>hi</p>";
  std::ofstream(root / "sub" / "x.js") << "1;";
  const auto pages = static_files::load(root.string());
  REQUIRE(pages.has_value());
  CHECK(pages->size() == 2);
  CHECK(pages->find("/")->body == "<p>hi</p>");
  CHECK(pages->find("/sub/x.js")->content_type ==
        "text/javascript; charset=utf-8");
  CHECK(pages->find("/../index.html") == nullptr);
  CHECK(pages->find("/sub/../index.html") == nullptr);
  fs::remove_all(root);
}

TEST_CASE("a missing web root is refused with its name") {
  const auto pages = static_files::load("/nonexistent/web");
  REQUIRE(pages.has_error());
  CHECK(pages.error().find("/nonexistent/web") != std::string::npos);
}
