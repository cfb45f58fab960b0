// HttpLeaseForwarder: server::LeaseForwarder over etcd 3.4's peer-port lease protocol
// (etcd's leasehttp RenewHTTP / TimeToLiveHTTP): a follower POSTs a protobuf
// LeaseKeepAliveRequest to <leader peer URL>/leases, or a LeaseInternalRequest to
// /leases/internal, and reads the protobuf answer; 404 means the leader does not know
// the lease, 408 that it could not catch up in time, anything else is retried.
//
// Threads: Renew/TimeToLive from any thread; the exchanges run as coroutines on the
// forwarder's own thread, where `done` is called. Connections are kept alive and reused
// (a few per URL), since keep-alives come steadily. Stop() (also by the destructor) drops
// the exchanges in flight without calling their `done`.
#pragma once

#include <memory>
#include <thread>

#include "peer/peer_stream.h"
#include "server/lease_forwarder.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace etcdpp::peer {

inline constexpr std::string_view kLeasePath = "/leases";
inline constexpr std::string_view kLeaseInternalPath = "/leases/internal";

class HttpLeaseForwarder final : public server::LeaseForwarder {
 public:
  // `dialer` null: plain TCP.
  explicit HttpLeaseForwarder(std::unique_ptr<StreamDialer> dialer = nullptr);
  ~HttpLeaseForwarder() override;

  void Renew(server::LeaderUrls leader, int64_t id, server::Deadline deadline,
             std::function<void(Result<int64_t>)> done) override;
  void TimeToLive(server::LeaderUrls leader, etcdserverpb::LeaseTimeToLiveRequest r, server::Deadline deadline,
                  std::function<void(Result<etcdserverpb::LeaseTimeToLiveResponse>)> done) override;
  void Stop();

  struct Pool;

 private:
  std::unique_ptr<StreamDialer> dialer_;
  std::unique_ptr<Pool> pool_;  // forwarder thread only
  std::unique_ptr<boost::asio::io_context> io_;
  std::thread thread_;
};

}  // namespace etcdpp::peer
