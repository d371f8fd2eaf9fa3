// Maps a request's method and path to the handler that answers it, and
// answers 404 and 405 itself.
//
// Thread-safe once built: `add` on one thread before serving, then
// `handle` from any number of threads.
#pragma once

#include "server/beast.hpp"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace server {

// What a handler knows of the request beyond its message.
struct request_context {
  std::string request_id;
  // The client's address: the peer's, or what a trusted proxy forwarded.
  std::string remote_address;
  std::string user_agent;  // at most 256 bytes of the header
};

using handler = std::function<response(const request&, request_context&)>;

// A handler for paths that no exact route claims, such as static files. It
// answers nullopt for a path it does not serve.
using fallback =
    std::function<std::optional<response>(const request&, request_context&)>;

class router {
 public:
  void add(http::verb method, std::string path, handler h);

  // A route for every path that starts with `prefix` and has one more
  // non-empty segment, such as "/api/v1/credentials/" + an id; the
  // handler reads the segment from the target itself.
  void add_prefix(http::verb method, std::string prefix, handler h);

  // Tried for GET and HEAD when no exact route has the path.
  void set_fallback(fallback f) { fallback_ = std::move(f); }

  // Never fails: unknown paths get 404, known paths with another method
  // get 405 with an Allow header, both as problem documents.
  response handle(const request& req, request_context& ctx) const;

 private:
  const std::map<http::verb, handler>* find(std::string_view path) const;

  std::map<std::string, std::map<http::verb, handler>, std::less<>> routes_;
  std::map<std::string, std::map<http::verb, handler>, std::less<>> prefixes_;
  fallback fallback_;
};

// The path part of a request target: "/a/b?x=1" gives "/a/b".
std::string_view target_path(std::string_view target) noexcept;

}  // namespace server
