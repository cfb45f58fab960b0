#include "server/v2_snapshot.h"

namespace etcdpp::server {

std::string V2SnapshotData(const v2store::Store& store) { return store.Save(); }

}  // namespace etcdpp::server
