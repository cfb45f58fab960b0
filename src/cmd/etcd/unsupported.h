// The one table of settings etcdpp accepts (so etcd's command lines parse) but cannot
// serve yet. A setting counts as used when it differs from etcd's default; a used one
// stops `etcd` at start with a message naming the flag, rather than being ignored.
// Rows are removed as features land.
#pragma once

#include <optional>
#include <string>

#include "cmd/etcd/etcd_flags.h"

namespace etcdpp::etcdmain {

// The first unsupported setting in use, as the user would write it ("--enable-v2"), or
// nothing when everything in use is supported.
std::optional<std::string> FirstUnsupportedSetting(const CommandLine& command_line);

}  // namespace etcdpp::etcdmain
