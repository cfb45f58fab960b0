#include "net/router.h"

#include <algorithm>

namespace etcdpp::net {

void Router::AddUnary(std::string method, UnaryHandler handler) {
  stream_.erase(method);
  unary_[std::move(method)] = std::move(handler);
}

void Router::AddStream(std::string method, StreamHandler handler) {
  unary_.erase(method);
  stream_[std::move(method)] = std::move(handler);
}

void Router::AddHttp(std::string path, HttpHandler handler) { http_exact_[std::move(path)] = std::move(handler); }

void Router::AddHttpPrefix(std::string prefix, HttpHandler handler) {
  std::erase_if(http_prefix_, [&](const auto& e) { return e.first == prefix; });
  http_prefix_.emplace_back(std::move(prefix), std::move(handler));
  std::stable_sort(http_prefix_.begin(), http_prefix_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

void Router::AddHttpUpload(std::string path, HttpUploadHandler handler) {
  http_upload_[std::move(path)] = std::move(handler);
}

Router::GrpcRoute Router::FindGrpc(std::string_view method) const {
  GrpcRoute route;
  if (auto it = unary_.find(method); it != unary_.end()) route.unary = &it->second;
  if (auto it = stream_.find(method); it != stream_.end()) route.stream = &it->second;
  return route;
}

bool Router::HasGrpcService(std::string_view service) const {
  const std::string prefix = "/" + std::string(service) + "/";
  auto has = [&](const auto& m) {
    auto it = m.lower_bound(prefix);
    return it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0;
  };
  return has(unary_) || has(stream_);
}

const HttpHandler& Router::FindHttp(std::string_view path) const {
  if (auto it = http_exact_.find(path); it != http_exact_.end()) return it->second;
  for (const auto& [prefix, handler] : http_prefix_) {
    if (path.substr(0, prefix.size()) == prefix) return handler;
  }
  return http_fallback_;
}

void Router::ServeHttp(const HttpRequest& request, HttpResponder responder) const {
  if (http_guard_ && !http_guard_(request, responder)) return;
  FindHttp(request.path)(request, std::move(responder));
}

const HttpUploadHandler* Router::FindHttpUpload(std::string_view path) const {
  auto it = http_upload_.find(path);
  return it == http_upload_.end() ? nullptr : &it->second;
}

std::unique_ptr<HttpUpload> Router::StartHttpUpload(const HttpRequest& head, HttpResponder responder) const {
  if (http_guard_ && !http_guard_(head, responder)) return nullptr;
  const HttpUploadHandler* handler = FindHttpUpload(head.path);
  if (handler == nullptr) {
    RespondNotFound(head, std::move(responder));
    return nullptr;
  }
  return (*handler)(head, std::move(responder));
}

void RespondNotFound(const HttpRequest& request, HttpResponder responder) {
  responder.Respond({404,
                     {{"content-type", "text/plain; charset=utf-8"}, {"x-content-type-options", "nosniff"}},
                     "404 page not found\n"});
}

}  // namespace etcdpp::net
