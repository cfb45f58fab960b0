// The v2 keys API's request side: an HTTP request on /v2/keys/... becomes the replicated
// etcdserverpb::Request etcd puts in its raft log, with etcd's validation errors, and
// the request's route (proposed through raft, read locally, or a watch). Pure functions;
// any thread (the API layer calls them on its I/O threads).
#pragma once

#include <cstdint>
#include <string_view>

#include "etcdserverpb/etcdserver.pb.h"
#include "v2store/error.h"
#include "v2store/store.h"

namespace etcdpp::v2store {

inline constexpr std::string_view kKeysUrlPrefix = "/v2/keys";

struct HttpKeyRequest {
  std::string_view method;        // HEAD, GET, PUT, POST or DELETE (others: 405 upstream)
  std::string_view path;          // decoded URL path, "/v2/keys/foo"
  std::string_view raw_query;     // without '?'
  std::string_view content_type;  // "" when absent
  std::string_view body;
};

struct KeyRequest {
  etcdserverpb::Request request;
  // noValueOnSuccess=true: a successful write answers without node and prevNode.
  bool no_value_on_success = false;
};

// Validates and converts; `now_unix_ns` turns a ttl into the absolute Expiration that is
// replicated. Errors carry index 0, as etcd's request errors do.
StoreResult<KeyRequest> ParseKeyRequest(const HttpKeyRequest& http, int64_t now_unix_ns);

enum class KeyRoute {
  kPropose,   // POST, PUT, DELETE and quorum GET ("QGET"): through raft, then Apply
  kLocalGet,  // GET and HEAD: Store::Get on this member
  kWatch,     // GET with wait=true: Store::Watch
};

// Where `request` goes; a quorum GET is renamed QGET here, as etcd does before proposing.
KeyRoute RouteKeyRequest(etcdserverpb::Request& request);

// The local read and watch routes.
StoreResult<EventPtr> ServeLocalGet(Store& store, const etcdserverpb::Request& request,
                                    int64_t now_unix_ns);
StoreResult<WatcherPtr> StartWatch(Store& store, const etcdserverpb::Request& request);

}  // namespace etcdpp::v2store
