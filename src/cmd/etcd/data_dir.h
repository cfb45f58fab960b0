// What an existing data directory holds, as `etcd` checks it before starting: a member's
// data ("member/"), a v2 proxy's ("proxy/"), or nothing yet. Main thread only.
#pragma once

#include <string>

#include "base/log.h"
#include "base/status.h"

namespace etcdpp::etcdmain {

enum class DataDirKind { kEmpty, kMember, kProxy };

// "member" or "proxy", as etcd names them in its log lines.
const char* DataDirKindName(DataDirKind kind);

// Warns (through `logger`, in etcd's words) about entries other than member/ and proxy/.
// Fails, with etcd's fatal message, when the directory cannot be listed or holds both.
// A missing directory is kEmpty.
Result<DataDirKind> IdentifyDataDir(const std::string& dir, Logger& logger);

}  // namespace etcdpp::etcdmain
