// The usage block and the flag reference `etcd` prints, as etcd 3.4.23 prints them.
#pragma once

namespace etcdpp::etcdmain {

extern const char kUsage[];  // "Usage:\n\n  etcd [flags]\n ..."; printed with a newline after
extern const char kFlags[];  // the flag list, starting with an empty line

}  // namespace etcdpp::etcdmain
