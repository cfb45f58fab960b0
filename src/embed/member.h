// RunMember: starts an etcd member from a validated configuration and serves until it is
// told to stop (SIGINT/SIGTERM). Called once from main; returns the process exit status.
#pragma once

namespace etcdpp::embed {

struct Config;

int RunMember(const Config& config);

}  // namespace etcdpp::embed
