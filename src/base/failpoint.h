// Failpoints: named points where a crash test can make the process die as if killed with
// SIGKILL, to check what survives on disk at exactly that step. Names follow etcd's gofail
// points where etcd has one (defragBeforeCopy, defragBeforeRename).
//
// The set of armed points is read once from the environment variable ETCDPP_FAILPOINTS
// (comma-separated names); unset, a failpoint costs one test of a flag. Thread safe.
#pragma once

#include <string_view>

namespace etcdpp::base {

// True if `name` is armed in ETCDPP_FAILPOINTS.
bool FailpointArmed(std::string_view name);

// If `name` is armed: writes "failpoint <name> reached" to stderr and kills the process
// with SIGKILL (no destructors, no buffered output, nothing flushed). Otherwise returns.
void Failpoint(std::string_view name);

}  // namespace etcdpp::base
