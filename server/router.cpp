#include "server/router.hpp"

#include "server/responses.hpp"

namespace server {

std::string_view target_path(std::string_view target) noexcept {
  return target.substr(0, target.find_first_of("?#"));
}

void router::add(http::verb method, std::string path, handler h) {
  routes_[std::move(path)][method] = std::move(h);
}

void router::add_prefix(http::verb method, std::string prefix, handler h) {
  prefixes_[std::move(prefix)][method] = std::move(h);
}

const std::map<http::verb, handler>* router::find(std::string_view path) const {
  if (const auto exact = routes_.find(path); exact != routes_.end()) {
    return &exact->second;
  }
  for (const auto& [prefix, methods] : prefixes_) {
    if (!path.starts_with(prefix))
      continue;
    const auto rest = path.substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string_view::npos) {
      return &methods;
    }
  }
  return nullptr;
}

response router::handle(const request& req, request_context& ctx) const {
  const std::string_view path = target_path(req.target());
  const bool readable =
      req.method() == http::verb::get || req.method() == http::verb::head;
  const auto* route = find(path);
  if (route == nullptr) {
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
  const auto& methods = *route;
  auto chosen = methods.find(req.method());
  if (chosen == methods.end() && req.method() == http::verb::head) {
    chosen = methods.find(http::verb::get);
  }
  if (chosen != methods.end())
    return chosen->second(req, ctx);

  std::string allow;
  for (const auto& [verb, unused] : methods) {
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

}  // namespace server
