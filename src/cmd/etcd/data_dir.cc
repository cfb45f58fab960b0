#include "cmd/etcd/data_dir.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include <fmt/format.h>

namespace etcdpp::etcdmain {

const char* DataDirKindName(DataDirKind kind) {
  switch (kind) {
    case DataDirKind::kEmpty: return "empty";
    case DataDirKind::kMember: return "member";
    case DataDirKind::kProxy: return "proxy";
  }
  return "empty";
}

Result<DataDirKind> IdentifyDataDir(const std::string& dir, Logger& logger) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return DataDirKind::kEmpty;
  auto list_error = [&] {
    return logger.structured() ? IoError("failed to list data directory") : IoError(fmt::format("error listing data dir: {}", dir));
  };
  if (ec) return list_error();
  std::vector<std::string> names;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return list_error();
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());  // etcd lists entries in name order
  bool member = false, proxy = false;
  for (const std::string& name : names) {
    if (name == "member") {
      member = true;
    } else if (name == "proxy") {
      proxy = true;
    } else {
      logger.Log(LogLevel::kWarn, "etcdmain",
                 fmt::format("found invalid file/dir {} under data dir {} (Ignore this if you are upgrading etcd)", name, dir),
                 "found invalid file under data directory",
                 {LogField::Str("filename", name), LogField::Str("data-dir", dir)});
    }
  }
  if (member && proxy) {
    return FailedPrecondition(logger.structured() ? "invalid datadir; both member and proxy directories exist"
                                                  : "invalid datadir. Both member and proxy directories exist.");
  }
  if (member) return DataDirKind::kMember;
  return proxy ? DataDirKind::kProxy : DataDirKind::kEmpty;
}

}  // namespace etcdpp::etcdmain
