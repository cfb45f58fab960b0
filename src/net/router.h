// Router: the table from gRPC method paths and HTTP paths to handlers for one server.
// Filled before the server starts, read-only afterwards (so I/O threads read it without
// locks). Owned by whoever builds the server; the server keeps a copy.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/grpc_call.h"
#include "net/http_types.h"
#include "net/http_upload.h"

namespace etcdpp::net {

// The default fallback: Go net/http's NotFound answer.
void RespondNotFound(const HttpRequest& request, HttpResponder responder);

class Router {
 public:
  // Method paths are "/pkg.Service/Method". A later registration of the same path replaces
  // the earlier one.
  void AddUnary(std::string method, UnaryHandler handler);
  void AddStream(std::string method, StreamHandler handler);
  // HTTP handlers by exact path, or by prefix (the longest registered prefix wins; exact
  // paths win over prefixes).
  void AddHttp(std::string path, HttpHandler handler);
  void AddHttpPrefix(std::string prefix, HttpHandler handler);
  // A handler that receives the request body in pieces as it arrives (http_upload.h), by
  // exact path; it takes the path from AddHttp/AddHttpPrefix routes.
  void AddHttpUpload(std::string path, HttpUploadHandler handler);
  // Answers HTTP requests no route matches (default: 404 "404 page not found\n").
  void SetHttpFallback(HttpHandler handler) { http_fallback_ = std::move(handler); }

  struct GrpcRoute {
    const UnaryHandler* unary = nullptr;
    const StreamHandler* stream = nullptr;
  };
  GrpcRoute FindGrpc(std::string_view method) const;
  // Whether any method of "pkg.Service" is registered.
  bool HasGrpcService(std::string_view service) const;
  // Never null: the fallback when nothing matches.
  // Runs before every HTTP handler: answers the request itself and returns false (a
  // refused host), or adds headers to the responder and returns true.
  using HttpGuard = std::function<bool(const HttpRequest& request, HttpResponder& responder)>;
  void SetHttpGuard(HttpGuard guard) { http_guard_ = std::move(guard); }

  const HttpHandler& FindHttp(std::string_view path) const;
  // Null when `path` has no upload handler.
  const HttpUploadHandler* FindHttpUpload(std::string_view path) const;
  // The guard, then the upload handler of head.path (which must have one); null when
  // the request was answered instead.
  std::unique_ptr<HttpUpload> StartHttpUpload(const HttpRequest& head, HttpResponder responder) const;
  // The guard, then the handler of request.path.
  void ServeHttp(const HttpRequest& request, HttpResponder responder) const;

 private:
  std::map<std::string, UnaryHandler, std::less<>> unary_;
  std::map<std::string, StreamHandler, std::less<>> stream_;
  std::map<std::string, HttpHandler, std::less<>> http_exact_;
  std::vector<std::pair<std::string, HttpHandler>> http_prefix_;  // longest first
  std::map<std::string, HttpUploadHandler, std::less<>> http_upload_;
  HttpHandler http_fallback_ = RespondNotFound;
  HttpGuard http_guard_;
};

}  // namespace etcdpp::net
