#include "v2store/form.h"

#include <cctype>

namespace etcdpp::v2store {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// mime.ParseMediaType, reduced to what ParseForm needs: the lower-cased media type.
bool MediaType(std::string_view content_type, std::string& media_type, std::string& error) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (t.empty()) {
    error = "mime: no media type";
    return false;
  }
  media_type.clear();
  for (char c : t) media_type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return true;
}

}  // namespace

const std::string* Form::First(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Form::Value(std::string_view key) const {
  const std::string* v = First(key);
  return v ? *v : std::string();
}

bool QueryUnescape(std::string_view in, std::string& out, std::string& error) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size() || HexValue(in[i + 1]) < 0 || HexValue(in[i + 2]) < 0) {
        error = "invalid URL escape \"" + std::string(in.substr(i, 3)) + "\"";
        return false;
      }
      out += static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return true;
}

std::string ParseQueryInto(std::string_view query, Form& form) {
  std::string first_error;
  while (!query.empty()) {
    std::string_view pair = query;
    const size_t amp = query.find('&');
    if (amp != std::string_view::npos) {
      pair = query.substr(0, amp);
      query.remove_prefix(amp + 1);
    } else {
      query = {};
    }
    if (pair.find(';') != std::string_view::npos) {
      if (first_error.empty()) first_error = "invalid semicolon separator in query";
      continue;
    }
    if (pair.empty()) continue;
    std::string_view raw_key = pair, raw_value;
    if (const size_t eq = pair.find('='); eq != std::string_view::npos) {
      raw_key = pair.substr(0, eq);
      raw_value = pair.substr(eq + 1);
    }
    std::string key, value, error;
    if (!QueryUnescape(raw_key, key, error) || !QueryUnescape(raw_value, value, error)) {
      if (first_error.empty()) first_error = error;
      continue;
    }
    form.Add(std::move(key), std::move(value));
  }
  return first_error;
}

StoreResult<Form> ParseForm(std::string_view method, std::string_view raw_query,
                            std::string_view content_type, std::string_view body) {
  Form form;
  std::string error;
  if (method == "POST" || method == "PUT" || method == "PATCH") {
    std::string media_type;
    // No Content-Type reads as application/octet-stream: the body is not a form.
    if (content_type.empty()) {
      media_type = "application/octet-stream";
    } else if (!MediaType(content_type, media_type, error)) {
      media_type.clear();
    }
    if (media_type == "application/x-www-form-urlencoded") {
      error = ParseQueryInto(body, form);
    }
  }
  const std::string query_error = ParseQueryInto(raw_query, form);
  if (error.empty()) error = query_error;
  if (!error.empty()) return MakeError(ErrorCode::kInvalidForm, error, 0);
  return form;
}

}  // namespace etcdpp::v2store
