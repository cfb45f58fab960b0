#include "v2store/applier.h"

#include <cctype>

namespace etcdpp::v2store {
namespace {

StoreResult<EventPtr> ApplyPut(Store& store, const etcdserverpb::Request& r, int64_t now) {
  const TtlOptions ttl = TtlOptionsOf(r);
  const bool compares = r.previndex() > 0 || !r.prevvalue().empty();
  if (r.has_prevexist()) {
    if (!r.prevexist()) return store.Create(r.path(), r.dir(), r.val(), false, ttl, now);
    if (!compares) return store.Update(r.path(), r.val(), ttl, now);
    return store.CompareAndSwap(r.path(), r.prevvalue(), r.previndex(), r.val(), ttl, now);
  }
  if (compares) {
    return store.CompareAndSwap(r.path(), r.prevvalue(), r.previndex(), r.val(), ttl, now);
  }
  return store.Set(r.path(), r.dir(), r.val(), ttl, now);
}

}  // namespace

etcdserverpb::Request NewV2Request(std::string_view method, std::string_view path) {
  etcdserverpb::Request r;
  r.set_id(0);
  r.set_method(std::string(method));
  r.set_path(std::string(path));
  r.set_val("");
  r.set_dir(false);
  r.set_prevvalue("");
  r.set_previndex(0);
  r.set_expiration(0);
  r.set_wait(false);
  r.set_since(0);
  r.set_recursive(false);
  r.set_sorted(false);
  r.set_quorum(false);
  r.set_time(0);
  r.set_stream(false);
  return r;
}

etcdserverpb::Request NewSyncRequest(uint64_t id, int64_t now_unix_ns) {
  etcdserverpb::Request r = NewV2Request("SYNC", "");
  r.set_id(id);
  r.set_time(now_unix_ns);
  return r;
}

TtlOptions TtlOptionsOf(const etcdserverpb::Request& request) {
  TtlOptions ttl;
  ttl.refresh = request.refresh();
  if (request.expiration() != 0) ttl.expire_unix_ns = request.expiration();
  return ttl;
}

StoreResult<EventPtr> Apply(Store& store, const etcdserverpb::Request& r, int64_t now_unix_ns) {
  const std::string& method = r.method();
  if (method == "POST") {
    return store.Create(r.path(), r.dir(), r.val(), /*unique=*/true, TtlOptionsOf(r), now_unix_ns);
  }
  if (method == "PUT") return ApplyPut(store, r, now_unix_ns);
  if (method == "DELETE") {
    if (r.previndex() > 0 || !r.prevvalue().empty()) {
      return store.CompareAndDelete(r.path(), r.prevvalue(), r.previndex(), now_unix_ns);
    }
    return store.Delete(r.path(), r.dir(), r.recursive(), now_unix_ns);
  }
  if (method == "QGET") return store.Get(r.path(), r.recursive(), r.sorted(), now_unix_ns);
  if (method == "SYNC") {
    store.DeleteExpiredKeys(r.time());
    return EventPtr();
  }
  return MakeError(ErrorCode::kRaftInternal, "etcdserver: unknown method", 0);
}

bool IsMemberAttributesPath(std::string_view path) {
  // etcd matches an unanchored pattern, "/0/members/" 1-16 hex digits "/attributes"
  // anywhere in the path; replicas must agree on it, so the same rule is kept.
  constexpr std::string_view kPrefix = "/0/members/";
  constexpr std::string_view kSuffix = "/attributes";
  for (size_t at = path.find(kPrefix); at != std::string_view::npos;
       at = path.find(kPrefix, at + 1)) {
    size_t end = at + kPrefix.size();
    while (end < path.size() && std::isxdigit(static_cast<unsigned char>(path[end]))) ++end;
    const size_t digits = end - at - kPrefix.size();
    if (digits >= 1 && digits <= 16 && path.substr(end, kSuffix.size()) == kSuffix) return true;
  }
  return false;
}

}  // namespace etcdpp::v2store
