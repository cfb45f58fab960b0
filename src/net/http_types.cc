#include "net/http_types.h"

#include <cctype>
#include <ctime>

#include "net/output_queue.h"

namespace etcdpp::net {

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

namespace {
// The head of an HTTP response in the HTTP/2 form; HTTP/1.1 sessions rewrite
// ":status" into a status line.
Headers ResponseHead(int status, std::vector<std::pair<std::string, std::string>> headers) {
  Headers head;
  head.reserve(headers.size() + 1);
  head.emplace_back(":status", std::to_string(status));
  bool has_date = false;
  for (auto& [name, value] : headers) {
    // Kept lower-case, as HTTP/2 requires; HTTP/1.1 output restores the canonical case.
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    has_date |= name == "date";
    head.emplace_back(std::move(name), std::move(value));
  }
  if (!has_date) head.emplace_back("date", HttpDate());
  return head;
}
}  // namespace

void HttpResponder::AddHeader(std::string name, std::string value) {
  if (!extra_) extra_ = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
  extra_->emplace_back(std::move(name), std::move(value));
}

std::vector<std::pair<std::string, std::string>> HttpResponder::WithExtra(
    std::vector<std::pair<std::string, std::string>> headers) const {
  if (extra_) headers.insert(headers.begin(), extra_->begin(), extra_->end());
  return headers;
}

bool HttpResponder::Respond(HttpResponse response) const {
  Headers head = ResponseHead(response.status, WithExtra(std::move(response.headers)));
  head.emplace_back("content-length", std::to_string(response.body.size()));
  if (!out_->SetHead(std::move(head))) return false;
  if (!response.body.empty() && !out_->Append(std::move(response.body))) return false;
  return out_->End({});
}

bool HttpResponder::StartStream(int status, std::vector<std::pair<std::string, std::string>> headers) const {
  return out_->SetHead(ResponseHead(status, WithExtra(std::move(headers))));
}

bool HttpResponder::Write(std::string chunk) const { return out_->Append(std::move(chunk)); }
bool HttpResponder::End() const { return out_->End({}); }
size_t HttpResponder::queued_bytes() const { return out_->queued_bytes(); }
bool HttpResponder::closed() const { return out_->closed(); }

std::string HttpDate() {
  char buf[64];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  const size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

std::string_view HttpReason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 421: return "Misdirected Request";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace etcdpp::net
