// Operation counters of the v2 store (/v2/stats/store, and saved in snapshots). Plain
// value; the Store updates it under its lock.
#pragma once

#include <cstdint>
#include <string>

namespace etcdpp::v2store {

struct StoreStats {
  uint64_t gets_success = 0;
  uint64_t gets_fail = 0;
  uint64_t sets_success = 0;
  uint64_t sets_fail = 0;
  uint64_t delete_success = 0;
  uint64_t delete_fail = 0;
  uint64_t update_success = 0;
  uint64_t update_fail = 0;
  uint64_t create_success = 0;
  uint64_t create_fail = 0;
  uint64_t compare_and_swap_success = 0;
  uint64_t compare_and_swap_fail = 0;
  uint64_t compare_and_delete_success = 0;
  uint64_t compare_and_delete_fail = 0;
  uint64_t expire_count = 0;
  uint64_t watchers = 0;

  // {"getsSuccess":…,…,"watchers":…} with etcd's names and order.
  std::string ToJson() const;
};

}  // namespace etcdpp::v2store
