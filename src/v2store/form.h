// The parameters of a v2 keys request, gathered the way Go's Request.ParseForm does: the
// url-encoded body of POST/PUT/PATCH first, then the query string, each key keeping all
// its values in order. Pure functions and a plain value; any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "v2store/error.h"

namespace etcdpp::v2store {

class Form {
 public:
  void Add(std::string key, std::string value) {
    entries_.emplace_back(std::move(key), std::move(value));
  }
  bool Has(std::string_view key) const { return First(key) != nullptr; }
  // The first value of `key`, or null when absent.
  const std::string* First(std::string_view key) const;
  // FormValue: the first value, or "" when absent.
  std::string Value(std::string_view key) const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// url.QueryUnescape: '+' is a space, %XX a byte; false with Go's error text otherwise.
bool QueryUnescape(std::string_view in, std::string& out, std::string& error);

// Appends the pairs of a query string to `form`. Returns the first error's text ("" when
// none) but, like Go, keeps every pair it could decode.
std::string ParseQueryInto(std::string_view query, Form& form);

// Request.ParseForm. A parse failure is kInvalidForm with Go's message as the cause.
StoreResult<Form> ParseForm(std::string_view method, std::string_view raw_query,
                            std::string_view content_type, std::string_view body);

}  // namespace etcdpp::v2store
