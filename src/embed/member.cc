#include "embed/member.h"

#include <cstdio>

namespace etcdpp::embed {

int RunMember(const Config&) {
  std::fprintf(stderr, "etcd: the member is not built yet\n");
  return 1;
}

}  // namespace etcdpp::embed
