// Splits a body holding several JSON values one after another ("{...} {...}"), the way
// Go's json.Decoder reads a stream: the gateway's streaming methods take one request
// message per value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::api {

struct JsonValues {
  std::vector<std::string_view> values;  // the complete values, in order
  // Empty when the body ended cleanly after the last value; otherwise why reading
  // stopped there, in Go's words ("invalid character 'x' looking for beginning of value",
  // "unexpected EOF").
  std::string error;
};

// The values borrow from `body`.
JsonValues SplitJsonValues(std::string_view body);

}  // namespace etcdpp::api
