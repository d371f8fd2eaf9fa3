#include "tests/support/fixtures.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/encoding.hpp"

namespace test_support {
namespace {

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

std::vector<std::filesystem::path> json_files(const std::string& folder) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry :
       std::filesystem::directory_iterator(fixtures_dir() / folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string text_or_empty(const nlohmann::json& j, const char* name) {
  const auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

void read_common(const nlohmann::json& j, fixture_common& out) {
  out.source = j.at("source").get<std::string>();
  out.device = j.at("device").get<std::string>();
  out.rp_id = j.at("rpId").get<std::string>();
  out.origin = j.at("origin").get<std::string>();
  out.expected_challenge = j.at("expectedChallenge").get<std::string>();
  out.notes = text_or_empty(j, "notes");
  const std::string expect = j.at("expect").get<std::string>();
  constexpr std::string_view invalid = "invalid: ";
  if (expect != "valid" && !expect.starts_with(invalid)) {
    throw std::runtime_error("expect is neither valid nor invalid: ...");
  }
  out.expect = expect == "valid" ? expect : expect.substr(invalid.size());
  out.accept_cross_origin = j.value("crossOrigin", false);
  if (j.contains("topOrigin") && j["topOrigin"].is_string()) {
    out.top_origin = j["topOrigin"].get<std::string>();
  }
  out.credential = j.at("credential");
  if (!out.credential.is_object()) {
    throw std::runtime_error("credential is not an object");
  }
  out.credential_text = out.credential.dump();
}

// Loads each file with `read`, naming the file in any error.
template <class T, class Read>
std::vector<T> load_all(const std::string& folder, Read read) {
  std::vector<T> out;
  for (const auto& path : json_files(folder)) {
    try {
      T fixture;
      fixture.file = path.filename().string();
      const nlohmann::json j = read_json(path);
      read_common(j, fixture);
      read(j, fixture);
      out.push_back(std::move(fixture));
    } catch (const std::exception& e) {
      throw std::runtime_error(folder + "/" + path.filename().string() + ": " +
                               e.what());
    }
  }
  return out;
}

}  // namespace

std::filesystem::path fixtures_dir() {
  return std::filesystem::path(LATCHKEY_SOURCE_DIR
                               "/../shared/fixtures/webauthn")
      .lexically_normal();
}

bool fixtures_present() {
  // Every folder some test reads, and the README whose tables they
  // check: a partial copy is skipped as a whole rather than half failing.
  std::error_code ec;
  for (const char* folder :
       {"registrations", "assertions", "roots", "mds", "metadata"}) {
    if (!std::filesystem::is_directory(fixtures_dir() / folder, ec))
      return false;
  }
  return std::filesystem::is_regular_file(fixtures_dir() / "README.md", ec);
}

std::optional<common::time_point> parse_utc_time(const std::string& text) {
  int year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2u-%2uT%2u:%2u:%2u%n", &year, &month,
                  &day, &hour, &minute, &second, &used) != 6 ||
      used != 19) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(text).substr(19);
  int millis = 0;
  if (rest.size() == 5 && rest[0] == '.' &&
      std::all_of(rest.begin() + 1, rest.end() - 1,
                  [](char c) { return c >= '0' && c <= '9'; })) {
    millis = std::stoi(std::string(rest.substr(1, 3)));
    rest.remove_prefix(4);
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(month),
                                         std::chrono::day(day)};
  if (rest != "Z" || !date.ok() || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  return std::chrono::sys_days(date) + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second) +
         std::chrono::milliseconds(millis);
}

std::vector<registration_fixture> load_registration_fixtures() {
  return load_all<registration_fixture>(
      "registrations", [](const nlohmann::json& j, registration_fixture& f) {
        f.fmt = j.at("fmt").get<std::string>();
        const auto& at = j.at("verifyAt");
        if (!at.is_null()) {
          f.verify_at = parse_utc_time(at.get<std::string>());
          if (!f.verify_at) {
            throw std::runtime_error("verifyAt does not parse");
          }
        }
      });
}

std::vector<assertion_fixture> load_assertion_fixtures() {
  return load_all<assertion_fixture>(
      "assertions", [](const nlohmann::json& j, assertion_fixture& f) {
        const auto key = common::base64url_decode(
            j.at("credentialPublicKey").get<std::string>());
        if (!key) {
          throw std::runtime_error("credentialPublicKey is not base64url");
        }
        f.credential_public_key = *key;
        f.prev_sign_count = j.at("prevSignCount").get<std::uint32_t>();
      });
}

}  // namespace test_support
