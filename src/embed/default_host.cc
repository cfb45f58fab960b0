// The address etcd advertises instead of localhost when it listens on 0.0.0.0: the first
// IPv4 address of the interface that carries the default route.
#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fstream>
#include <sstream>

#include "embed/config.h"

namespace etcdpp::embed {
namespace {

// The interface of the IPv4 default route in /proc/net/route, or "".
std::string DefaultRouteInterface() {
  std::ifstream routes("/proc/net/route");
  std::string line;
  std::getline(routes, line);  // header
  while (std::getline(routes, line)) {
    std::istringstream fields(line);
    std::string iface, destination, gateway, flags, refcnt, use, metric, mask;
    if (!(fields >> iface >> destination >> gateway >> flags >> refcnt >> use >> metric >> mask)) continue;
    if (destination == "00000000" && mask == "00000000") return iface;
  }
  return "";
}

}  // namespace

Result<std::string> DetectDefaultHost() {
  const std::string iface = DefaultRouteInterface();
  if (iface.empty()) return NotFound("could not find default route");
  ifaddrs* addrs = nullptr;
  if (getifaddrs(&addrs) != 0) return IoError("could not list interface addresses");
  std::string host;
  for (ifaddrs* a = addrs; a != nullptr && host.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || iface != a->ifa_name) continue;
    char text[INET_ADDRSTRLEN];
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)) != nullptr) host = text;
  }
  freeifaddrs(addrs);
  if (host.empty()) return NotFound("could not find default route");
  return host;
}

}  // namespace etcdpp::embed
