#include "v2store/key_response.h"

#include "v2store/store.h"

namespace etcdpp::v2store {
namespace {

std::vector<std::pair<std::string, std::string>> IndexHeaders(uint64_t etcd_index,
                                                              uint64_t raft_index,
                                                              uint64_t raft_term) {
  return {{"Content-Type", "application/json"},
          {"X-Etcd-Index", std::to_string(etcd_index)},
          {"X-Raft-Index", std::to_string(raft_index)},
          {"X-Raft-Term", std::to_string(raft_term)}};
}

bool DropsNodes(std::string_view action) {
  return action == kActionSet || action == kActionCompareAndSwap || action == kActionCreate ||
         action == kActionUpdate;
}

}  // namespace

HttpResponse RenderEvent(const Event& event, uint64_t raft_index, uint64_t raft_term,
                         bool no_value_on_success) {
  HttpResponse resp;
  resp.status = event.IsCreated() ? 201 : 200;
  resp.headers = IndexHeaders(event.etcd_index, raft_index, raft_term);
  EventJsonOptions opts;
  opts.trim_prefix = kKeysPrefix;
  opts.omit_nodes = no_value_on_success && DropsNodes(event.action);
  resp.body = EventToJson(event, opts);
  resp.body += '\n';
  return resp;
}

HttpResponse RenderError(const Error& error) {
  Error trimmed = error;
  if (trimmed.cause.compare(0, kKeysPrefix.size(), kKeysPrefix) == 0) {
    trimmed.cause.erase(0, kKeysPrefix.size());
  }
  HttpResponse resp;
  resp.status = trimmed.HttpStatus();
  resp.headers = {{"Content-Type", "application/json"},
                  {"X-Etcd-Index", std::to_string(trimmed.index)}};
  resp.body = trimmed.ToJson();
  resp.body += '\n';
  return resp;
}

Error ServerError(std::string_view message) {
  return MakeError(ErrorCode::kRaftInternal, std::string(message), 0);
}

HttpResponse RenderWatchStart(const Watcher& watcher, uint64_t raft_index, uint64_t raft_term) {
  HttpResponse resp;
  resp.headers = IndexHeaders(watcher.start_index(), raft_index, raft_term);
  return resp;
}

std::string RenderWatchEvent(const Event& event) {
  EventJsonOptions opts;
  opts.trim_prefix = kKeysPrefix;
  std::string out = EventToJson(event, opts);
  out += '\n';
  return out;
}

}  // namespace etcdpp::v2store
