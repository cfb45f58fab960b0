// `etcd gateway [start]`: etcd 3.4's cobra command line for the TCP gateway, with its help
// texts and flag errors word for word, then the proxy (src/gateway) until the process is
// signalled. Called from EtcdMain on the main thread.
#pragma once

#include <string>
#include <vector>

#include "base/log.h"
#include "cmd/etcd/etcd_main.h"

namespace etcdpp::etcdmain {

// `args` follow "gateway". Returns the exit status (the proxy itself runs until killed).
int GatewayCommand(const std::vector<std::string>& args, Logger& logger, Console console);

}  // namespace etcdpp::etcdmain
