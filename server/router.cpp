#include "server/router.hpp"

#include "server/responses.hpp"
#include "server/worker_pool.hpp"

#include <memory>

namespace server {

std::string_view target_path(std::string_view target) noexcept {
  return target.substr(0, target.find_first_of("?#"));
}

void router::add(http::verb method, std::string path, handler h) {
  routes_[std::move(path)][method] = {std::move(h), false};
}

void router::add_pooled(http::verb method, std::string path, handler h) {
  routes_[std::move(path)][method] = {std::move(h), true};
}

void router::add_prefix(http::verb method, std::string prefix, handler h) {
  prefixes_[std::move(prefix)][method] = {std::move(h), false};
}

void router::add_pattern(http::verb method, std::string_view pattern,
                         handler h) {
  const auto open = pattern.find('{');
  const auto close = pattern.find('}', open);
  std::pair<std::string, std::string> parts{pattern.substr(0, open),
                                            pattern.substr(close + 1)};
  patterns_[std::move(parts)][method] = {std::move(h), false};
}

const router::methods* router::find(std::string_view path) const {
  if (const auto exact = routes_.find(path); exact != routes_.end()) {
    return &exact->second;
  }
  for (const auto& [prefix, by_method] : prefixes_) {
    if (!path.starts_with(prefix))
      continue;
    const auto rest = path.substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string_view::npos) {
      return &by_method;
    }
  }
  for (const auto& [parts, by_method] : patterns_) {
    const auto& [head, tail] = parts;
    if (path.size() <= head.size() + tail.size() || !path.starts_with(head) ||
        !path.ends_with(tail))
      continue;
    const auto segment =
        path.substr(head.size(), path.size() - head.size() - tail.size());
    if (segment.find('/') == std::string_view::npos)
      return &by_method;
  }
  return nullptr;
}

std::variant<const router::route*, response> router::choose(
    const request& req, request_context& ctx) const {
  const std::string_view path = target_path(req.target());
  const bool readable =
      req.method() == http::verb::get || req.method() == http::verb::head;
  const auto* found = find(path);
  if (found == nullptr) {
    if (fallback_) {
      if (auto res = fallback_(req, ctx)) {
        if (readable)
          return std::move(*res);
        response refused =
            problem(http::status::method_not_allowed, "method_not_allowed",
                    "This path answers GET and HEAD only.", req.version());
        refused.set(http::field::allow, "GET, HEAD");
        return refused;
      }
    }
    return problem(http::status::not_found, "not_found",
                   "No resource at this path.", req.version());
  }
  auto chosen = found->find(req.method());
  if (chosen == found->end() && req.method() == http::verb::head) {
    chosen = found->find(http::verb::get);
  }
  if (chosen != found->end())
    return &chosen->second;

  std::string allow;
  for (const auto& [verb, unused] : *found) {
    if (!allow.empty())
      allow += ", ";
    allow += std::string(http::to_string(verb));
    if (verb == http::verb::get)
      allow += ", HEAD";
  }
  response refused =
      problem(http::status::method_not_allowed, "method_not_allowed",
              "This path does not answer " +
                  std::string(http::to_string(req.method())) + ".",
              req.version());
  refused.set(http::field::allow, allow);
  return refused;
}

namespace {

response busy(unsigned version) {
  auto res = problem(http::status::service_unavailable, "service_unavailable",
                     "The server is busy; try again.", version);
  res.set(http::field::retry_after, "1");
  return res;
}

}  // namespace

response router::handle(const request& req, request_context& ctx) const {
  auto chosen = choose(req, ctx);
  if (auto* answer = std::get_if<response>(&chosen))
    return std::move(*answer);
  const route* r = std::get<const route*>(chosen);
  if (r->pooled)
    return busy(req.version());
  return r->h(req, ctx);
}

void router::dispatch(const request& req, const request_context& ctx,
                      completion done) const {
  auto context = std::make_shared<request_context>(ctx);
  auto chosen = choose(req, *context);
  if (auto* answer = std::get_if<response>(&chosen))
    return done(std::move(*answer));
  const route* r = std::get<const route*>(chosen);
  if (!r->pooled)
    return done(r->h(req, *context));
  // Shared, so that the job owns it when the pool takes it and `done`
  // still has it when the pool refuses.
  auto finish = std::make_shared<completion>(std::move(done));
  const bool queued =
      pool_ != nullptr && pool_->try_submit([r, &req, context, finish] {
        (*finish)(r->h(req, *context));
      });
  if (!queued)
    (*finish)(busy(req.version()));
}

}  // namespace server
