#include "base/go_errors.h"

#include <cctype>
#include <cstring>

namespace etcdpp {

std::string GoErrnoText(int err) { return GoErrorText(std::strerror(err)); }

std::string GoErrorText(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace etcdpp
