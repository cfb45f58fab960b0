#include "testing/temp_dir.h"

#include <cstdlib>
#include <system_error>

#include "base/check.h"

namespace etcdpp::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/etcdpp-test-XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  ETCDPP_CHECK(made != nullptr, "mkdtemp failed");
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace etcdpp::testing
