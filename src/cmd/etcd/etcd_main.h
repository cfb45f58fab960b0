// The `etcd` command: reads flags, ETCD_* variables or a --config-file into an
// embed::Config the way etcd 3.4 does (same precedence, messages, log lines and exit
// statuses), refuses settings etcdpp does not serve yet, and starts the member.
// Called once from main on the main thread.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/log.h"
#include "cmd/etcd/etcd_flags.h"
#include "embed/config.h"

namespace etcdpp::etcdmain {

inline constexpr char kEtcdVersion[] = "3.4.23";

// Where `etcd` writes besides its logger: `out` for --version and --help, `err` for the
// usage block and etcd's raw "[WARNING] ..." lines.
struct Console {
  std::ostream& out;
  std::ostream& err;
};

// The configuration `etcd` would run with, or the exit status it stops with (after
// printing why). `args` excludes the program name; `environ` is "KEY=value" entries.
// On success the logger is configured as the flags ask.
struct Loaded {
  std::optional<int> exit_status;
  CommandLine command_line;
};
Loaded LoadCommandLine(const std::vector<std::string>& args, const std::vector<std::string>& environ,
                       Logger& logger, Console console);

using RunMemberFn = std::function<int(const embed::Config&)>;

// The whole command: LoadCommandLine, the unsupported-settings check, etcd's start-up
// lines and derived defaults (data dir, default host), then `run_member`.
int EtcdMain(const std::vector<std::string>& args, const std::vector<std::string>& environ,
             Logger& logger, Console console, const RunMemberFn& run_member);

}  // namespace etcdpp::etcdmain
