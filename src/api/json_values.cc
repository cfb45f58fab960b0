#include "api/json_values.h"

namespace etcdpp::api {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The end of a string starting at body[i] == '"', or npos if it never closes.
size_t StringEnd(std::string_view body, size_t i) {
  for (size_t j = i + 1; j < body.size(); ++j) {
    if (body[j] == '\\') {
      ++j;
    } else if (body[j] == '"') {
      return j + 1;
    }
  }
  return std::string_view::npos;
}

// The end of an object or array starting at body[i], or npos if it never closes.
size_t NestedEnd(std::string_view body, size_t i) {
  int depth = 0;
  for (size_t j = i; j < body.size(); ++j) {
    const char c = body[j];
    if (c == '"') {
      const size_t end = StringEnd(body, j);
      if (end == std::string_view::npos) return end;
      j = end - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return j + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

JsonValues SplitJsonValues(std::string_view body) {
  JsonValues out;
  size_t i = 0;
  while (true) {
    while (i < body.size() && IsSpace(body[i])) ++i;
    if (i == body.size()) return out;
    const char c = body[i];
    size_t end;
    if (c == '{' || c == '[') {
      end = NestedEnd(body, i);
    } else if (c == '"') {
      end = StringEnd(body, i);
    } else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
      end = i;
      while (end < body.size() && !IsSpace(body[end]) && std::string_view(",:[]{}\"").find(body[end]) == std::string_view::npos) {
        ++end;
      }
    } else {
      out.error = std::string("invalid character '") + c + "' looking for beginning of value";
      return out;
    }
    if (end == std::string_view::npos) {
      out.error = "unexpected EOF";
      return out;
    }
    out.values.push_back(body.substr(i, end - i));
    i = end;
  }
}

}  // namespace etcdpp::api
