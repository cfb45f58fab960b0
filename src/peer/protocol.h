// The fixed facts of etcd 3.4's peer protocol that both sides of the transport share:
// versions announced in headers, the compatibility and cluster-ID checks a receiver runs
// on every request, and Go's plain-text error answers (docs/formats/peer.md).
// Pure functions and constants; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/http_types.h"

namespace etcdpp::peer {

inline constexpr std::string_view kServerVersion = "3.4.23";
inline constexpr std::string_view kMinClusterVersion = "3.0.0";

inline constexpr std::string_view kRaftPath = "/raft";
inline constexpr std::string_view kStreamPrefix = "/raft/stream/";
inline constexpr std::string_view kMessageStreamPath = "/raft/stream/message/";
inline constexpr std::string_view kMsgAppStreamPath = "/raft/stream/msgapp/";
inline constexpr std::string_view kSnapshotPath = "/raft/snapshot";
inline constexpr std::string_view kProbingPath = "/raft/probing";

// etcd's ConnReadTimeout / ConnWriteTimeout; stream writers send a link heartbeat every
// third of it so an idle stream never looks dead.
inline constexpr std::chrono::milliseconds kConnTimeout{5000};
inline constexpr std::chrono::milliseconds kLinkHeartbeatInterval{kConnTimeout.count() / 3};
// etcd dials a dropped stream again at most every 100 ms.
inline constexpr std::chrono::milliseconds kRedialInterval{100};

// The texts receivers answer with (412 bodies are matched by senders).
inline constexpr std::string_view kErrIncompatibleVersion = "incompatible version";
inline constexpr std::string_view kErrClusterIdMismatch = "cluster ID mismatch";

enum class Compatibility { kOk, kIncompatibleVersion, kClusterIdMismatch };

// The receiver's check of X-Server-Version, X-Min-Cluster-Version (both default to 2.0.0
// when absent, as etcd's do) and X-Etcd-Cluster-ID against `cluster_id`.
Compatibility CheckCompatibility(const net::HttpRequest& request, uint64_t cluster_id);

// Go's http.Error: text/plain, nosniff, the message and a newline. `extra` headers first.
net::HttpResponse GoError(int status, std::string_view message, net::HttpResponse extra = {});

// RFC 3339 with nanoseconds in UTC, as Go marshals a time.Time: 2026-11-25T23:59:59.123456789Z.
std::string Rfc3339Nano(std::chrono::system_clock::time_point t);

// "major.minor.patch" → major*1000+minor, or -1 when it does not parse.
int MajorMinor(std::string_view version);

}  // namespace etcdpp::peer
