#include "server/alarm_store.h"

namespace etcdpp::server {
namespace {

std::string MarshalledKey(const etcdserverpb::AlarmMember& m) {
  std::string out;
  m.SerializeToString(&out);  // proto3, fields in number order: etcd's gogoproto bytes
  return out;
}

}  // namespace

Result<std::unique_ptr<AlarmStore>> AlarmStore::Recover(backend::Backend& b) {
  auto store = std::make_unique<AlarmStore>();
  ETCDPP_ASSIGN_OR_RETURN(backend::ReadTx tx, b.BeginRead());
  Status bad;
  ETCDPP_RETURN_IF_ERROR(tx.Range(backend::Bucket::kAlarm, "", "", 0, [&](std::string_view k, std::string_view) {
    etcdserverpb::AlarmMember m;
    if (!m.ParseFromArray(k.data(), static_cast<int>(k.size()))) {
      bad = Corruption("alarm bucket: unreadable alarm");
      return false;
    }
    store->alarms_.emplace(Key{m.alarm(), m.memberid()}, m);
    return true;
  }));
  tx.End();
  ETCDPP_RETURN_IF_ERROR(bad);
  return store;
}

Status AlarmStore::Reload(backend::Backend& b) {
  ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<AlarmStore> fresh, Recover(b));
  std::scoped_lock lock(mu_, fresh->mu_);
  alarms_ = std::move(fresh->alarms_);
  return Status();
}

std::optional<etcdserverpb::AlarmMember> AlarmStore::Activate(backend::BatchTx& tx, uint64_t member,
                                                              etcdserverpb::AlarmType type) {
  if (type == etcdserverpb::NONE) return std::nullopt;
  std::lock_guard lock(mu_);
  auto [it, inserted] = alarms_.try_emplace(Key{type, member});
  if (inserted) {
    it->second.set_memberid(member);
    it->second.set_alarm(type);
    tx.Put(backend::Bucket::kAlarm, MarshalledKey(it->second), "");
  }
  return it->second;
}

std::optional<etcdserverpb::AlarmMember> AlarmStore::Deactivate(backend::BatchTx& tx, uint64_t member,
                                                                etcdserverpb::AlarmType type) {
  std::lock_guard lock(mu_);
  auto it = alarms_.find(Key{type, member});
  if (it == alarms_.end()) return std::nullopt;
  etcdserverpb::AlarmMember m = it->second;
  alarms_.erase(it);
  tx.Delete(backend::Bucket::kAlarm, MarshalledKey(m));
  return m;
}

std::vector<etcdserverpb::AlarmMember> AlarmStore::Get(etcdserverpb::AlarmType type) const {
  std::lock_guard lock(mu_);
  std::vector<etcdserverpb::AlarmMember> out;
  for (const auto& [key, m] : alarms_) {
    if (type == etcdserverpb::NONE || key.first == type) out.push_back(m);
  }
  return out;
}

bool AlarmStore::Has(etcdserverpb::AlarmType type) const {
  std::lock_guard lock(mu_);
  for (const auto& [key, m] : alarms_) {
    if (key.first == type) return true;
  }
  return false;
}

std::string AlarmText(const etcdserverpb::AlarmMember& m) {
  std::string out;
  if (m.memberid() != 0) out += "memberID:" + std::to_string(m.memberid()) + " ";
  if (m.alarm() != etcdserverpb::NONE) out += "alarm:" + etcdserverpb::AlarmType_Name(m.alarm()) + " ";
  return out;
}

}  // namespace etcdpp::server
