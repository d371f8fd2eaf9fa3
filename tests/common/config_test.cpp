#include "common/config.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace {

struct settings {
  std::string listen = "127.0.0.1:8080";
  std::vector<std::string> origins = {"http://localhost:8080"};
  std::uint64_t workers = 2;
  std::chrono::milliseconds timeout{10'000};
  bool verbose = false;
  std::string secret;
};

common::option_set make_options(settings& s) {
  common::option_set o;
  o.add("listen", "HOST:PORT", "Where to listen.", s.listen,
        common::text_into(&s.listen));
  o.add_list("origin", "URL", "Allowed origins.", "",
             common::list_into(&s.origins));
  o.add("workers", "N", "Threads.", "2",
        common::unsigned_into(&s.workers, 1, 64));
  o.add("timeout", "DURATION", "A timeout.", "10s",
        common::duration_into(&s.timeout, std::chrono::milliseconds(1),
                              std::chrono::hours(1)));
  o.add_flag("verbose", "Say more.", &s.verbose);
  o.add_secret("secret", "A secret.", common::text_into(&s.secret));
  return o;
}

common::config_result<void> parse(settings& s,
                                  std::vector<std::string_view> args,
                                  const common::environment& env = {}) {
  auto options = make_options(s);
  return options.parse(args, env);
}

std::string write_file(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("latchkey-config-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("defaults stand when nothing is given") {
  settings s;
  REQUIRE(parse(s, {}).has_value());
  CHECK(s.listen == "127.0.0.1:8080");
  CHECK(s.workers == 2);
}

TEST_CASE("flags take a separate or an inline value") {
  settings s;
  REQUIRE(parse(s, {"--listen", "0.0.0.0:1", "--workers=8", "--verbose"}));
  CHECK(s.listen == "0.0.0.0:1");
  CHECK(s.workers == 8);
  CHECK(s.verbose);
}

TEST_CASE("a repeated list flag collects every value") {
  settings s;
  REQUIRE(parse(
      s, {"--origin", "https://a.example", "--origin", "https://b.example"}));
  CHECK(s.origins ==
        std::vector<std::string>{"https://a.example", "https://b.example"});
}

TEST_CASE("flags beat the environment, which beats the file") {
  const auto path = write_file(
      R"({"listen": "file:1", "workers": 3, "origin": ["https://f.example"]})");
  settings s;
  const common::environment env = {
      {"LATCHKEY_CONFIG", path},
      {"LATCHKEY_LISTEN", "env:2"},
      {"LATCHKEY_ORIGIN", "https://e1,https://e2"}};
  REQUIRE(parse(s, {"--listen", "flag:3"}, env));
  CHECK(s.listen == "flag:3");
  CHECK(s.workers == 3);
  CHECK(s.origins == std::vector<std::string>{"https://e1", "https://e2"});
  std::filesystem::remove(path);
}

TEST_CASE("durations take units") {
  settings s;
  REQUIRE(parse(s, {"--timeout", "500ms"}));
  CHECK(s.timeout == std::chrono::milliseconds(500));
  REQUIRE(parse(s, {"--timeout", "5m"}));
  CHECK(s.timeout == std::chrono::minutes(5));
  REQUIRE(parse(s, {"--timeout", "7"}));
  CHECK(s.timeout == std::chrono::seconds(7));
}

TEST_CASE("an unknown flag is refused by name") {
  settings s;
  const auto r = parse(s, {"--lisen", "x"});
  REQUIRE(r.has_error());
  CHECK(r.error().setting == "--lisen");
  CHECK(r.error().problem.find("unknown") != std::string::npos);
}

TEST_CASE("an unknown LATCHKEY_ variable is refused by name") {
  settings s;
  const auto r = parse(s, {}, {{"LATCHKEY_LISTN", "x"}});
  REQUIRE(r.has_error());
  CHECK(r.error().setting == "LATCHKEY_LISTN");
}

TEST_CASE("an unknown key in the file is refused by name") {
  const auto path = write_file(R"({"listen": "a:1", "colour": "blue"})");
  settings s;
  const auto r = parse(s, {"--config", path});
  REQUIRE(r.has_error());
  CHECK(r.error().setting == "colour in " + path);
  std::filesystem::remove(path);
}

TEST_CASE("a file that is not a JSON object is refused") {
  settings s;
  for (const auto* text : {"[1,2]", "{\"listen\":", "nonsense"}) {
    const auto path = write_file(text);
    const auto r = parse(s, {"--config", path});
    REQUIRE(r.has_error());
    CHECK(r.error().setting == path);
    std::filesystem::remove(path);
  }
}

TEST_CASE("a missing file is refused with its path") {
  settings s;
  const auto r = parse(s, {"--config", "/nonexistent/latchkey.json"});
  REQUIRE(r.has_error());
  CHECK(r.error().message().find("/nonexistent/latchkey.json") == 0);
}

TEST_CASE("wrong JSON types are refused") {
  settings s;
  for (const auto* text :
       {R"({"listen": true})", R"({"origin": "x"})", R"({"origin": [1]})",
        R"({"verbose": "yes"})", R"({"workers": -1})"}) {
    CAPTURE(text);
    const auto path = write_file(text);
    CHECK(parse(s, {"--config", path}).has_error());
    std::filesystem::remove(path);
  }
}

TEST_CASE("out-of-range and malformed numbers name the setting") {
  settings s;
  auto r = parse(s, {"--workers", "65"});
  REQUIRE(r.has_error());
  CHECK(r.error().message() ==
        "--workers: expected a whole number from 1 to 64, got \"65\"");
  r = parse(s, {}, {{"LATCHKEY_WORKERS", "4x"}});
  REQUIRE(r.has_error());
  CHECK(r.error().setting == "LATCHKEY_WORKERS");
  CHECK(parse(s, {"--timeout", "5 s"}).has_error());
  CHECK(parse(s, {"--timeout", "2h"}).has_error());
  CHECK(parse(s, {"--timeout", "0"}).has_error());
  CHECK(parse(s, {"--timeout", "99999999999999999999"}).has_error());
}

TEST_CASE("a flag without its value, or a positional argument, is refused") {
  settings s;
  CHECK(parse(s, {"--listen"}).error().problem == "needs a value");
  CHECK(parse(s, {"stray"}).error().problem == "unexpected argument");
  CHECK(parse(s, {"--verbose=maybe"}).has_error());
}

TEST_CASE("help names every option with its variable and default") {
  settings s;
  const auto text = make_options(s).help();
  CHECK(text.find("--listen HOST:PORT") != std::string::npos);
  CHECK(text.find("LATCHKEY_LISTEN; default: 127.0.0.1:8080") !=
        std::string::npos);
  CHECK(text.find("--origin URL  (repeatable)") != std::string::npos);
}

TEST_CASE("environment_name spells options in upper case with underscores") {
  CHECK(common::environment_name("rp-id") == "LATCHKEY_RP_ID");
}

TEST_CASE("a secret comes from the environment or the file, never a flag") {
  settings s;
  REQUIRE(parse(s, {}, {{"LATCHKEY_SECRET", "s3"}}));
  CHECK(s.secret == "s3");
  const auto r = parse(s, {"--secret", "s4"});
  REQUIRE(r.has_error());
  CHECK(r.error().setting == "--secret");
  CHECK(r.error().problem.find("never from the command line") !=
        std::string::npos);
  CHECK(s.secret == "s3");
  CHECK(make_options(s).help().find("LATCHKEY_SECRET (environment or file)") !=
        std::string::npos);
}
