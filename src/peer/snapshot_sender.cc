#include "peer/snapshot_sender.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <boost/asio/this_coro.hpp>

#include "membership/member.h"
#include "peer/protocol.h"
#include "peer/stream_codec.h"

namespace etcdpp::peer {
namespace asio = boost::asio;

namespace {

constexpr size_t kChunkBytes = 256 * 1024;
constexpr size_t kResponseBodyLimitBytes = 64 * 1024;
// The receiver saves and syncs the whole file before it answers.
constexpr std::chrono::milliseconds kResponseTimeout{60 * 1000};

class File {
 public:
  explicit File(int fd) : fd_(fd) {}
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

asio::awaitable<Status> Transfer(RemotePeer& peer, const ClientEnv& env, const raftpb::Message& message,
                                 const std::string& db_path) {
  File file(::open(db_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.fd() < 0) co_return IoError("open " + db_path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd(), &st) != 0) co_return IoError("stat " + db_path + ": " + std::strerror(errno));
  const uint64_t db_bytes = static_cast<uint64_t>(st.st_size);

  const Url url = peer.PickUrl();
  if (url.host_port.empty()) co_return Unavailable("no peer URL");
  auto executor = co_await asio::this_coro::executor;
  Result<std::unique_ptr<PeerStream>> dialed = co_await env.dialer->Dial(executor, url, env.dial_timeout);
  if (!dialed.ok()) {
    peer.UrlFailed(url);
    co_return dialed.status();
  }
  HttpConnection conn(std::move(*dialed));
  std::string frame;
  AppendMessageFrame(message, &frame);
  HeaderList headers = env.BaseHeaders();
  headers.emplace(headers.begin(), "Content-Type", "application/octet-stream");
  std::string out = EncodeRequestHead("POST", url, kSnapshotPath, headers, frame.size() + db_bytes);
  out += frame;
  ETCDPP_CO_RETURN_IF_ERROR(co_await conn.Write(out, kConnTimeout));

  std::string chunk(kChunkBytes, '\0');
  uint64_t sent = 0;
  while (sent < db_bytes) {
    if (peer.stopped()) co_return Unavailable("peer stopped");
    const ssize_t n = ::pread(file.fd(), chunk.data(), chunk.size(), static_cast<off_t>(sent));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) co_return IoError("read " + db_path + ": " + (n == 0 ? "file shrank" : std::strerror(errno)));
    ETCDPP_CO_RETURN_IF_ERROR(co_await conn.Write(std::string_view(chunk.data(), static_cast<size_t>(n)), kConnTimeout));
    sent += static_cast<uint64_t>(n);
  }
  ETCDPP_CO_RETURN_IF_ERROR(co_await conn.ReadHead(kResponseTimeout));
  Result<std::string> body = co_await conn.ReadWholeBody(kResponseBodyLimitBytes, kConnTimeout);
  if (!body.ok()) co_return body.status();
  if (conn.status() == 204) co_return Status::Ok();
  peer.UrlFailed(url);
  co_return ReadRejection(env, peer.id(), conn.status(), *body, conn.Header("x-etcd-cluster-id"),
                          /*stream=*/false);
}

}  // namespace

asio::awaitable<void> SendSnapshotFile(std::shared_ptr<RemotePeer> peer, const ClientEnv& env,
                                       raftpb::Message message, std::string db_path,
                                       std::function<void(Status)> done) {
  const std::string index = std::to_string(message.snapshot().metadata().index());
  const std::string to = membership::IdToString(peer->id());
  env.LogInfo("start to send database snapshot [index: " + index + ", to " + to + "]...");
  Status s = co_await Transfer(*peer, env, message, db_path);
  if (s.ok()) {
    env.LogInfo("database snapshot [index: " + index + ", to: " + to + "] sent out successfully");
  } else {
    env.LogWarn("database snapshot [index: " + index + ", to: " + to + "] failed to be sent out (" + s.message() +
                ")");
    env.unreachable(peer->id());
  }
  if (done) done(std::move(s));
}

}  // namespace etcdpp::peer
