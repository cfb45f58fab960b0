#include "base/failpoint.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace etcdpp::base {
namespace {

// Parsed once, on first use; never changes after.
const std::vector<std::string>& ArmedPoints() {
  static const std::vector<std::string> points = [] {
    std::vector<std::string> out;
    const char* env = std::getenv("ETCDPP_FAILPOINTS");
    std::string_view rest = env != nullptr ? env : "";
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view name = rest.substr(0, comma);
      if (!name.empty()) out.emplace_back(name);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return out;
  }();
  return points;
}

}  // namespace

bool FailpointArmed(std::string_view name) {
  for (const std::string& p : ArmedPoints()) {
    if (p == name) return true;
  }
  return false;
}

void Failpoint(std::string_view name) {
  if (ArmedPoints().empty() || !FailpointArmed(name)) return;
  std::string line = "failpoint " + std::string(name) + " reached\n";
  // write(2) directly: stdio buffers would be lost with the process.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  ::kill(::getpid(), SIGKILL);
  ::_exit(137);  // not reached
}

}  // namespace etcdpp::base
