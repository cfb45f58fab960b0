// LeaseHooks: what mvcc needs from the lessor, without depending on the lease module.
// The server implements it over its lessor. Called on the apply thread, inside write
// operations (and once per leased key while the store opens).
#pragma once

#include <cstdint>
#include <string_view>

namespace etcdpp::mvcc {

class LeaseHooks {
 public:
  virtual ~LeaseHooks() = default;
  virtual bool LeaseExists(int64_t lease_id) = 0;
  // The key now belongs to the lease / no longer does.
  virtual void Attach(int64_t lease_id, std::string_view key) = 0;
  virtual void Detach(int64_t lease_id, std::string_view key) = 0;
};

}  // namespace etcdpp::mvcc
