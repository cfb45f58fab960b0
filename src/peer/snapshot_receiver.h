// StartSnapshotReceiver: the receiving side of POST /raft/snapshot (etcd's snapshot
// transfer, docs/formats/peer.md): a "message" stream frame (8-byte big-endian length,
// then a raftpb.Message of type MsgSnap) followed by the database bytes up to the end of
// the body.
//
// Only the frame is buffered, until it is whole; the database bytes go to
// <dir>/<index %016x>.snap.db.tmp as they arrive, so a follower's memory does not grow
// with the size of the leader's backend. Once the body has ended, the file is synced and
// renamed to .snap.db on a blocking thread, the message goes to raft, and the answer is
// 204. Other answers are etcd's: 405, 412, 400 "failed to decode raft message (...)",
// 400 "wrong raft message type", 403 for a removed sender, 500 "failed to save KV
// snapshot (...)". A body cut short, or refused, leaves no file behind.
//
// Runs on the peer server's I/O thread (net::HttpUpload contract).
#pragma once

#include <memory>
#include <string>

#include "net/http_types.h"
#include "net/http_upload.h"
#include "peer/raft_http_transport.h"

namespace etcdpp::peer {

// Checks the request head and returns the upload that receives the body, or null when
// it has answered already. `t` must outlive the server; `dir` empty fails with 500.
std::unique_ptr<net::HttpUpload> StartSnapshotReceiver(RaftHttpTransport& t, std::string dir,
                                                       const net::HttpRequest& head, net::HttpResponder responder);

}  // namespace etcdpp::peer
