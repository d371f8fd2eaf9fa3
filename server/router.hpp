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
#include <variant>
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

// Where a route's answer goes; called exactly once, possibly on another
// thread than the one that dispatched the request.
using completion = std::function<void(response)>;

class worker_pool;

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

  // A route for every path that `pattern` matches, where one segment
  // written as a name in braces stands for any non-empty segment, such as
  // "/admin/v1/users/{username}/disable"; the handler reads the segment
  // from the target itself.
  void add_pattern(http::verb method, std::string_view pattern, handler h);

  // A route whose handler blocks (a password hash, a slow store call):
  // dispatch runs it on `pool`, and answers 503 when the pool is full.
  void add_pooled(http::verb method, std::string path, handler h);
  void set_pool(worker_pool* pool) noexcept { pool_ = pool; }

  // Tried for GET and HEAD when no exact route has the path.
  void set_fallback(fallback f) { fallback_ = std::move(f); }

  // Never fails: unknown paths get 404, known paths with another method
  // get 405 with an Allow header, both as problem documents.
  // A pooled route answers 503 here: it needs dispatch.
  response handle(const request& req, request_context& ctx) const;

  // Answers `req` through `done`: at once for ordinary routes, from a pool
  // thread for pooled ones. `req` must stay alive until `done` is called.
  void dispatch(const request& req, const request_context& ctx,
                completion done) const;

 private:
  struct route {
    handler h;
    bool pooled = false;
  };
  using methods = std::map<http::verb, route>;

  const methods* find(std::string_view path) const;
  // The route for the request, or the answer when there is none.
  std::variant<const route*, response> choose(const request& req,
                                              request_context& ctx) const;

  std::map<std::string, methods, std::less<>> routes_;
  std::map<std::string, methods, std::less<>> prefixes_;
  // By the text before and after the segment in braces.
  std::map<std::pair<std::string, std::string>, methods> patterns_;
  fallback fallback_;
  worker_pool* pool_ = nullptr;
};

// The path part of a request target: "/a/b?x=1" gives "/a/b".
std::string_view target_path(std::string_view target) noexcept;

}  // namespace server
