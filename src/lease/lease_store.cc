#include "lease/lease_store.h"

namespace etcdpp::lease {

std::string LeaseKey(int64_t id) {
  std::string key(8, '\0');
  const uint64_t u = static_cast<uint64_t>(id);
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(u >> (56 - 8 * i));
  return key;
}

int64_t LeaseIdFromKey(std::string_view key) {
  ETCDPP_CHECK(key.size() == 8, "lease ID must be 8-byte");
  uint64_t u = 0;
  for (char c : key) u = (u << 8) | static_cast<uint8_t>(c);
  return static_cast<int64_t>(u);
}

Status MemoryLeaseStore::Put(const leasepb::Lease& lease) {
  bucket_[LeaseKey(lease.id())] = lease.SerializeAsString();
  return Status::Ok();
}

Status MemoryLeaseStore::Delete(int64_t id) {
  bucket_.erase(LeaseKey(id));
  return Status::Ok();
}

Result<std::vector<leasepb::Lease>> MemoryLeaseStore::LoadAll() {
  std::vector<leasepb::Lease> out;
  for (const auto& [key, value] : bucket_) {
    leasepb::Lease l;
    if (!l.ParseFromString(value)) {
      return Corruption("failed to Unmarshal lease proto item; lease ID=" + std::to_string(LeaseIdFromKey(key)));
    }
    out.push_back(std::move(l));
  }
  return out;
}

Status MemoryKeyDeleter::DeleteKeys(std::span<const std::string> keys) {
  ++txns_;
  last_deleted_.assign(keys.begin(), keys.end());
  for (const auto& k : keys) keys_.erase(k);
  return Status::Ok();
}

}  // namespace etcdpp::lease
