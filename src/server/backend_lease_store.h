// BackendLeaseStore: the lessor's LeaseStore over the backend's `lease` bucket (key: the
// lease ID as 8 big-endian bytes; value: leasepb.Lease), so leases survive a restart in
// etcd's encoding. Apply thread only, like the lessor that calls it.
#pragma once

#include "backend/backend.h"
#include "lease/lease_store.h"

namespace etcdpp::server {

class BackendLeaseStore final : public lease::LeaseStore {
 public:
  explicit BackendLeaseStore(backend::Backend* backend) : backend_(backend) {}

  Status Put(const leasepb::Lease& lease) override;
  Status Delete(int64_t id) override;
  Result<std::vector<leasepb::Lease>> LoadAll() override;

 private:
  backend::Backend* backend_;
};

}  // namespace etcdpp::server
