#include "server/backend_lease_store.h"

namespace etcdpp::server {

Status BackendLeaseStore::Put(const leasepb::Lease& lease) {
  backend::BatchTx tx = backend_->BeginWrite();
  tx.Put(backend::Bucket::kLease, lease::LeaseKey(lease.id()), lease.SerializeAsString());
  tx.End();
  return Status();
}

Status BackendLeaseStore::Delete(int64_t id) {
  backend::BatchTx tx = backend_->BeginWrite();
  tx.Delete(backend::Bucket::kLease, lease::LeaseKey(id));
  tx.End();
  return Status();
}

Result<std::vector<leasepb::Lease>> BackendLeaseStore::LoadAll() {
  ETCDPP_ASSIGN_OR_RETURN(backend::ReadTx tx, backend_->BeginRead());
  std::vector<leasepb::Lease> out;
  Status bad;
  ETCDPP_RETURN_IF_ERROR(tx.Range(backend::Bucket::kLease, "", "", 0, [&](std::string_view, std::string_view v) {
    leasepb::Lease l;
    if (!l.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      bad = Corruption("lease bucket: unreadable lease record");
      return false;
    }
    out.push_back(std::move(l));
    return true;
  }));
  ETCDPP_RETURN_IF_ERROR(bad);
  return out;
}

}  // namespace etcdpp::server
