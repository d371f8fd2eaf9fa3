// The OpenAPI document against the server it describes: every route is in
// it with its method and no other is, every problem code it names is one
// the server has, listed under the status the server answers it with, and
// the server serves the document exactly as the source tree holds it.
#include "http_client.hpp"
#include "server/account_routes.hpp"
#include "server/admin_routes.hpp"
#include "server/api.hpp"
#include "server/conformance_routes.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <utility>

using nlohmann::json;
using server::http::field;
using server::http::status;
using server::http::verb;
using test_support::http_client;
using test_support::server_process;

namespace {

using route = std::pair<std::string, std::string>;  // method, path

json load_document() {
  std::ifstream in(LATCHKEY_SOURCE_DIR "/docs/api/openapi.json",
                   std::ios::binary);
  REQUIRE(in.good());
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  auto doc = json::parse(text, nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  REQUIRE(doc.is_object());
  return doc;
}

// Every route the server can have, built from the route tables themselves
// where there is one.
std::set<route> server_routes() {
  std::set<route> out = {
      {"GET", "/healthz"},
      {"GET", "/.well-known/webauthn"},
      {"GET", "/api/v1/openapi.json"},
  };
  for (const auto& r : server::account_route_list()) {
    out.insert({r.method, r.path});
    // Each path of the account API answers CORS preflights.
    out.insert({"OPTIONS", r.path});
  }
  for (const auto& r : server::conformance_route_list())
    out.insert({r.method, r.path});
  // The admin listener's API, documented with its own server and tag.
  for (const auto& r : server::admin_route_list())
    out.insert({r.method, r.path});
  return out;
}

const std::set<std::string> kMethods = {"get",  "put",   "post",    "delete",
                                        "head", "patch", "options", "trace"};

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return text;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::set<route> documented_routes(const json& doc) {
  std::set<route> out;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [key, unused] : item.items()) {
      if (kMethods.count(key) != 0)
        out.insert({upper(key), path});
    }
  }
  return out;
}

std::set<std::string> api_error_names() {
  std::set<std::string> out;
  for (const auto e : server::all_api_errors())
    out.insert(std::string(server::name_of(e)));
  return out;
}

// A response object, with a reference into components/responses followed.
const json& resolved(const json& doc, const json& response) {
  const auto ref = response.find("$ref");
  if (ref == response.end())
    return response;
  const std::string prefix = "#/components/responses/";
  const auto& target = ref->get_ref<const std::string&>();
  REQUIRE(target.starts_with(prefix));
  return doc["components"]["responses"].at(target.substr(prefix.size()));
}

// The codes a problem response lists: the document narrows the Problem
// schema's `code` with an enum per response.
std::vector<std::string> listed_codes(const json& response) {
  std::vector<std::string> out;
  const auto content = response.find("content");
  if (content == response.end() ||
      !content->contains("application/problem+json"))
    return out;
  const auto& schema = (*content)["application/problem+json"]["schema"];
  REQUIRE_MESSAGE(schema.contains("allOf"), "a problem response lists codes");
  for (const auto& part : schema["allOf"]) {
    if (part.contains("properties"))
      for (const auto& code : part["properties"]["code"]["enum"])
        out.push_back(code.get<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("the OpenAPI document is OpenAPI 3.1 with info and paths") {
  const auto doc = load_document();
  REQUIRE(doc["openapi"].is_string());
  CHECK(doc["openapi"].get<std::string>().starts_with("3.1."));
  CHECK(doc["info"]["title"].is_string());
  CHECK(doc["info"]["version"].is_string());
  REQUIRE(doc["paths"].is_object());
  CHECK_FALSE(doc["paths"].empty());
  // The session cookie under both of its names.
  std::set<std::string> cookies;
  for (const auto& [name, scheme] :
       doc["components"]["securitySchemes"].items()) {
    if (scheme["type"] == "apiKey" && scheme["in"] == "cookie")
      cookies.insert(scheme["name"].get<std::string>());
  }
  CHECK(cookies ==
        std::set<std::string>{"latchkey-session", "__Host-latchkey-session"});
}

TEST_CASE("the OpenAPI document lists every route and no other") {
  const auto doc = load_document();
  const auto expected = server_routes();
  const auto documented = documented_routes(doc);
  for (const auto& [method, path] : expected) {
    CAPTURE(method);
    CAPTURE(path);
    CHECK_MESSAGE(documented.count({method, path}) == 1, "undocumented");
  }
  for (const auto& [method, path] : documented) {
    CAPTURE(method);
    CAPTURE(path);
    CHECK_MESSAGE(expected.count({method, path}) == 1, "no such route");
  }
}

TEST_CASE("each state-changing account route documents the CSRF checks") {
  const auto doc = load_document();
  for (const auto& r : server::account_route_list()) {
    if (r.method == "GET")
      continue;
    CAPTURE(r.method);
    CAPTURE(r.path);
    const auto& op = doc["paths"][r.path][lower(r.method)];
    bool has_origin = false;
    for (const auto& p : op["parameters"]) {
      has_origin = has_origin || p.value("$ref", std::string()) ==
                                     "#/components/parameters/Origin";
    }
    CHECK(has_origin);
    CHECK(listed_codes(op["responses"]["415"]) ==
          std::vector<std::string>{"content_type_not_json"});
    const auto forbidden = listed_codes(op["responses"]["403"]);
    CHECK(std::count(forbidden.begin(), forbidden.end(),
                     "origin_not_allowed") == 1);
    CHECK(op["requestBody"]["content"].contains("application/json"));
  }
}

TEST_CASE("each admin route documents its bearer key, tag and listener") {
  const auto doc = load_document();
  const auto& scheme = doc["components"]["securitySchemes"]["AdminKey"];
  CHECK(scheme["type"] == "http");
  CHECK(scheme["scheme"] == "bearer");
  const auto routes = server::admin_route_list();
  REQUIRE_FALSE(routes.empty());
  for (const auto& r : routes) {
    CAPTURE(r.method);
    CAPTURE(r.path);
    const auto& item = doc["paths"][r.path];
    CHECK(item["servers"][0]["url"].get<std::string>().ends_with(":8081"));
    const auto& op = item[lower(r.method)];
    CHECK(op["tags"] == json::array({"admin"}));
    CHECK(op["security"] == json::array({{{"AdminKey", json::array()}}}));
    const auto& refused = resolved(doc, op["responses"]["401"]);
    CHECK(listed_codes(refused) ==
          std::vector<std::string>{"admin_unauthorized"});
    CHECK(refused["headers"].contains("WWW-Authenticate"));
    // Only introspection is open to keys of role introspect.
    const bool introspection = r.path == "/admin/v1/introspect";
    CHECK(op["responses"].contains("403") == !introspection);
  }
  // No account route claims the admin key, nor an admin route a cookie.
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (kMethods.count(method) == 0 || !op.contains("security"))
        continue;
      CAPTURE(path);
      const bool admin = path.starts_with("/admin/");
      for (const auto& requirement : op["security"])
        CHECK(requirement.contains("AdminKey") == admin);
    }
  }
}

TEST_CASE("every problem code in the OpenAPI document is an api_error") {
  const auto doc = load_document();
  const auto errors = server::all_api_errors();
  const auto names = api_error_names();
  REQUIRE(names.size() == errors.size());

  // The shared Problem schema lists every code, and nothing else.
  std::set<std::string> in_schema;
  for (const auto& code :
       doc["components"]["schemas"]["Problem"]["properties"]["code"]["enum"])
    in_schema.insert(code.get<std::string>());
  CHECK(in_schema == names);

  // Each response lists codes the server has, under their own status.
  std::size_t listed = 0;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (kMethods.count(method) == 0)
        continue;
      for (const auto& [code_text, response] : op["responses"].items()) {
        if (code_text == "default")
          continue;
        for (const auto& code : listed_codes(resolved(doc, response))) {
          CAPTURE(path);
          CAPTURE(method);
          CAPTURE(code);
          ++listed;
          const auto e = std::find_if(
              errors.begin(), errors.end(),
              [&](server::api_error x) { return server::name_of(x) == code; });
          REQUIRE(e != errors.end());
          CHECK(std::to_string(static_cast<unsigned>(server::status_of(*e))) ==
                code_text);
        }
      }
    }
  }
  CHECK(listed > 0);

  // The HTTP layer's own codes are kept apart from the API's.
  for (const auto& code : doc["components"]["schemas"]["ServerProblem"]
                             ["properties"]["code"]["enum"]) {
    CAPTURE(code);
    CHECK(names.count(code.get<std::string>()) == 0);
  }
}

TEST_CASE("the server serves its OpenAPI document as the source tree has it") {
  server_process server;
  http_client client(server.port());
  const auto res = client.request(verb::get, "/api/v1/openapi.json");
  CHECK(res.result() == status::ok);
  CHECK(res[field::content_type] == "application/json");
  const auto served = json::parse(res.body(), nullptr, false);
  REQUIRE_FALSE(served.is_discarded());
  CHECK(served == load_document());
}

TEST_CASE("every listed conformance route answers with the API on") {
  server_process server({"--conformance-api"});
  http_client client(server.port());
  for (const auto& r : server::conformance_route_list()) {
    CAPTURE(r.path);
    REQUIRE(r.method == "POST");
    const auto res =
        client.request(verb::post, r.path, "{}", "application/json");
    // The route itself answers, in the conformance envelope, rather than
    // the router refusing an unknown path.
    CHECK(res.result() != status::not_found);
    CHECK(res.result() != status::method_not_allowed);
    const auto body = json::parse(res.body(), nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body["status"].is_string());
    CHECK(body["errorMessage"].is_string());
  }
}
