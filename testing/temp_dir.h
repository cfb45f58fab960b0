// TempDir: a fresh directory under $TMPDIR (or /tmp) for one test, removed with
// everything in it when the object is destroyed. Owned by the test's thread.
#pragma once

#include <filesystem>
#include <string>

namespace etcdpp::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string.
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace etcdpp::testing
