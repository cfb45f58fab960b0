// The etcd binary: etcd 3.4's command line in front of an etcdpp member.
#include <iostream>
#include <string>
#include <vector>

#include "base/log.h"
#include "cmd/etcd/etcd_main.h"
#include "embed/member.h"

extern char** environ;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  // The process's one logger; everything started from here borrows it.
  etcdpp::Logger logger;
  return etcdpp::etcdmain::EtcdMain(args, env, logger, {std::cout, std::cerr},
                                    [](const etcdpp::embed::Config& config) { return etcdpp::embed::RunMember(config); });
}
