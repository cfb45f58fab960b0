// Maintenance.Snapshot's server side: a consistent copy of the backend in etcd's bbolt
// format, in a temporary file next to the backend, handed to the sender and removed after.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "backend/bolt_file.h"
#include "server/errors.h"
#include "server/etcd_server.h"
#include "server/server_impl.h"
#include "v2store/store.h"

namespace etcdpp::server {
namespace {

constexpr std::string_view kTempSuffix = ".snapshot.tmp";

// The LMDB copy is consistent at one commit; the bbolt file is written from it, so the
// live backend is never held open by a long read.
Result<SnapshotFile> WriteSnapshot(backend::Backend& live, const std::string& base) {
  const std::string copy = base + ".lmdb" + std::string(kTempSuffix);
  const std::string bolt = base + ".bolt" + std::string(kTempSuffix);
  std::error_code ec;
  if (auto copied = live.SnapshotToFile(copy); !copied.ok()) {
    std::filesystem::remove(copy, ec);
    return copied.status();
  }
  Result<uint64_t> size = 0;
  {
    backend::BackendOptions o;
    o.path = copy;
    o.batch_interval_ms = 0;
    auto b = backend::Backend::Open(o);
    if (!b.ok()) {
      std::filesystem::remove(copy, ec);
      return b.status();
    }
    auto tx = (*b)->BeginRead();
    size = tx.ok() ? backend::WriteBoltFile(*tx, bolt) : Result<uint64_t>(tx.status());
  }
  std::filesystem::remove(copy, ec);
  std::filesystem::remove(copy + "-lock", ec);
  if (!size.ok()) {
    std::filesystem::remove(bolt, ec);
    return size.status();
  }
  return SnapshotFile{bolt, *size};
}

}  // namespace

void RemoveStaleSnapshotFiles(const std::string& snap_dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(snap_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > kTempSuffix.size() && name.ends_with(kTempSuffix)) std::filesystem::remove(entry.path(), ec);
    if (name.ends_with(std::string(kTempSuffix) + "-lock")) std::filesystem::remove(entry.path(), ec);
  }
}

void EtcdServer::Snapshot(SnapshotSender send) {
  Impl& s = *impl_;
  if (s.stopped.load()) {
    send(errors::kStopped.status(), [] { return true; });
    return;
  }
  const std::string base = s.config.data_dir + "/member/snap/db." + std::to_string(s.ids->Next());
  const bool started = s.RunInBackground([&s, base, send] {
    Result<SnapshotFile> file = WriteSnapshot(*s.backend, base);
    send(file, [&s] { return s.stopped.load(); });
    if (file.ok()) {
      std::error_code ec;
      std::filesystem::remove(file->path, ec);
    }
  });
  if (!started) send(errors::kStopped.status(), [] { return true; });
}

namespace {

// Members named by the conf-change contexts of `entries`.
std::vector<membership::Member> MembersFromEntries(const std::vector<raftpb::Entry>& entries) {
  std::vector<membership::Member> out;
  for (const auto& e : entries) {
    if (e.type() != raftpb::EntryConfChange) continue;
    raftpb::ConfChange cc;
    if (!cc.ParseFromString(e.data()) || cc.type() != raftpb::ConfChangeAddNode) continue;
    auto ctx = ConfChangeContextFromJson(cc.context());
    if (ctx.ok() && !ctx->is_promote) out.push_back(ctx->member);
  }
  return out;
}

// Members kept by etcd in the v2 store of a snapshot: /0/members/<id>/{raftAttributes,attributes}.
std::vector<membership::Member> MembersFromV2Snapshot(const std::string& data) {
  std::vector<membership::Member> out;
  v2store::Store store;
  if (data.empty() || !store.Recover(data).ok()) return out;
  auto listed = store.Get("/0/members", true, true, 0);
  if (!listed.ok()) return out;
  for (const auto& dir : (*listed)->node.nodes) {
    auto id = membership::ParseId(dir.key.substr(dir.key.rfind('/') + 1));
    if (!id.ok()) continue;
    membership::Member m;
    m.id = *id;
    for (const auto& attr : dir.nodes) {
      auto j = nlohmann::json::parse(attr.value.value_or(""), nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      if (attr.key.ends_with("/raftAttributes")) {
        m.peer_urls = j.value("peerURLs", std::vector<std::string>{});
        m.is_learner = j.value("isLearner", false);
      } else if (attr.key.ends_with("/attributes")) {
        m.name = j.value("name", "");
        m.client_urls = j.value("clientURLs", std::vector<std::string>{});
      }
    }
    if (!m.peer_urls.empty()) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

Status EtcdServer::Impl::RecoverMembersFromLog(const std::vector<raftpb::Entry>& entries) {
  // `etcdctl snapshot restore` leaves the old cluster's rows in the members bucket (etcd
  // 3.4 reads membership from its v2 snapshot instead) and writes the new membership as
  // conf-change entries at or below the consistent index, which replay does not apply
  // again, and in the v2 store of the snapshot it writes beside them.
  if (!imported_bolt && !cluster->Members().empty()) return Status();
  std::vector<membership::Member> members = MembersFromEntries(entries);
  if (members.empty()) members = MembersFromV2Snapshot(snapshot.data());
  if (members.empty()) return Status();
  {
    backend::BatchTx tx = backend->BeginWrite();
    for (backend::Bucket b : {backend::Bucket::kMembers, backend::Bucket::kMembersRemoved}) {
      std::vector<std::string> keys;
      ETCDPP_RETURN_IF_ERROR(tx.Range(b, "", "", 0, [&](std::string_view k, std::string_view) {
        keys.emplace_back(k);
        return true;
      }));
      for (const auto& k : keys) tx.Delete(b, k);
    }
    Cluster fresh(config.member_id, config.cluster_id);
    for (const auto& m : members) fresh.AddMember(tx, m);
    tx.End();
  }
  ETCDPP_RETURN_IF_ERROR(backend->ForceCommit());
  cluster = std::make_unique<Cluster>(config.member_id, config.cluster_id);
  return cluster->Recover(*backend);
}

Status EtcdServer::Impl::ImportBoltBackend(const std::string& path) {
  if (!backend::IsBoltFile(path)) return Status();
  if (log()) log()->Notice("etcdserver", "converting the bbolt backend " + path + " (from etcd or etcdctl snapshot restore)");
  imported_bolt = true;
  return backend::ConvertBoltToBackend(path);
}

}  // namespace etcdpp::server
