// Go's wording of system errors, which etcd prints and logs: strerror's words with a lower
// case first letter ("connection refused", "no such file or directory").
#pragma once

#include <string>

namespace etcdpp {

std::string GoErrnoText(int err);
// The same rule applied to another library's message for a system error (asio's).
std::string GoErrorText(std::string text);

}  // namespace etcdpp
