// Reads a data dir written by the real etcd 3.4.23 (/usr/bin/etcd): its WAL and its
// .snap files must open with our readers, and our encoder must reproduce its WAL bytes.
// Skipped when the etcd binaries are not installed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_system.h"
#include "snap/snapshotter.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"
#include "wal/record_codec.h"
#include "wal/segment_name.h"
#include "wal/wal.h"
#include "wal/wal_dir.h"

extern char** environ;

namespace etcdpp::wal {
namespace {

constexpr const char* kEtcd = "/usr/bin/etcd";
constexpr const char* kEtcdctl = "/usr/bin/etcdctl";

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Starts argv with stdout and stderr sent to log_path; returns the PID or -1.
pid_t Spawn(const std::vector<std::string>& args, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Waits (bounded) for pid to exit; returns its exit status or -1.
int WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  int status = -1;
  bool done = testing::WaitUntil([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  if (!done) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// One real etcd run per test suite (about 3 s): 20 puts with a snapshot every 5
// entries, then a clean stop. Tests read the data dir it leaves; the last one appends.
class EtcdRun {
 public:
  EtcdRun() {
    data_dir_ = tmp_.Sub("etcd.data");
    const int client = FreePort(), peer = FreePort();
    endpoint_ = "http://127.0.0.1:" + std::to_string(client);
    const std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
    args_ = {kEtcd, "--name", "compat", "--data-dir", data_dir_, "--listen-client-urls", endpoint_,
             "--advertise-client-urls", endpoint_, "--listen-peer-urls", peer_url,
             "--initial-advertise-peer-urls", peer_url, "--initial-cluster", "compat=" + peer_url,
             "--snapshot-count", "5"};
    ok_ = StartAndPut("key0", "value0");
    for (int i = 1; ok_ && i < 20; ++i) ok_ = Put("key" + std::to_string(i), "value" + std::to_string(i));
    Stop();
  }

  // Starts etcd on the data dir and waits until a put succeeds (member up and leader).
  bool StartAndPut(const std::string& key, const std::string& value) {
    pid_ = Spawn(args_, tmp_.Sub("etcd.log"));
    if (pid_ <= 0) return false;
    return testing::WaitUntil([&] { return Put(key, value); }, std::chrono::seconds(30),
                              std::chrono::milliseconds(100));
  }
  ~EtcdRun() { Stop(); }

  bool ok() const { return ok_; }
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    WaitExit(pid_, std::chrono::seconds(20));
    pid_ = -1;
  }
  std::string WalDir() const { return data_dir_ + "/member/wal"; }
  std::string SnapDir() const { return data_dir_ + "/member/snap"; }

 private:
  bool Put(const std::string& key, const std::string& value) {
    pid_t p = Spawn({kEtcdctl, "--endpoints", endpoint_, "--dial-timeout", "1s", "--command-timeout", "2s",
                     "put", key, value},
                    tmp_.Sub("etcdctl.log"));
    return p > 0 && WaitExit(p, std::chrono::seconds(10)) == 0;
  }

  testing::TempDir tmp_;
  std::string data_dir_;
  std::string endpoint_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  bool ok_ = false;
};

class RealEtcdDataDir : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::access(kEtcd, X_OK) == 0 && ::access(kEtcdctl, X_OK) == 0) run_ = new EtcdRun();
  }
  static void TearDownTestSuite() {
    delete run_;
    run_ = nullptr;
  }
  void SetUp() override {
    if (run_ == nullptr) GTEST_SKIP() << "etcd 3.4 not installed";
    ASSERT_TRUE(run_->ok()) << "the real etcd did not accept the puts";
  }
  std::string WalDir() const { return run_->WalDir(); }
  std::string SnapDir() const { return run_->SnapDir(); }

  static EtcdRun* run_;
  base::PosixFileSystem fs_;
};

EtcdRun* RealEtcdDataDir::run_ = nullptr;

TEST_F(RealEtcdDataDir, WalAndSnapOpenWithOurReaders) {
  ASSERT_TRUE(Exist(fs_, WalDir()));
  auto walsnaps = ValidSnapshotEntries(fs_, WalDir());
  ASSERT_TRUE(walsnaps.ok()) << walsnaps.status().ToString();
  ASSERT_GT(walsnaps->size(), 1u) << "etcd took snapshots (--snapshot-count 5)";

  snap::Snapshotter snapper(&fs_, SnapDir());
  auto snapshot = snapper.LoadNewestAvailable(*walsnaps);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_GT(snapshot->metadata().index(), 0u);
  EXPECT_NE(snapshot->data().find("\"Root\""), std::string::npos) << "v2 store JSON";
  EXPECT_EQ(snapshot->metadata().conf_state().voters_size(), 1);

  walpb::Snapshot newest;
  newest.set_index(snapshot->metadata().index());
  newest.set_term(snapshot->metadata().term());
  ASSERT_TRUE(Verify(fs_, WalDir(), newest).ok());
  auto from_newest = Wal::OpenForRead(&fs_, WalDir(), newest);
  ASSERT_TRUE(from_newest.ok());
  auto tail = (*from_newest)->ReadAll();
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  for (const auto& e : tail->entries) EXPECT_GT(e.index(), newest.index());

  // Full replay from the start holds every put.
  auto w = Wal::OpenForRead(&fs_, WalDir(), walpb::Snapshot());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto contents = (*w)->ReadAll();
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  EXPECT_FALSE(contents->metadata.empty());
  ASSERT_FALSE(contents->entries.empty());
  EXPECT_EQ(contents->entries.front().index(), 1u);
  EXPECT_EQ(contents->entries.back().index(), contents->state.commit());
  bool saw_last_put = false;
  for (const auto& e : contents->entries) saw_last_put |= e.data().find("key19") != std::string::npos;
  EXPECT_TRUE(saw_last_put);
}

TEST_F(RealEtcdDataDir, OurEncoderReproducesEtcdWalBytes) {
  auto names = ListSegments(fs_, WalDir());
  ASSERT_TRUE(names.ok());
  ASSERT_FALSE(names->empty());
  const std::string path = base::JoinPath(WalDir(), names->front().name);
  auto f = fs_.Open(path, base::OpenMode::kRead);
  ASSERT_TRUE(f.ok());
  Decoder decoder({{names->front().name, f->get()}});
  Encoder encoder;
  std::string ours;
  Record rec;
  int records = 0;
  while (true) {
    auto got = decoder.Next(&rec);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    if (!*got) break;
    encoder.Append(static_cast<RecordType>(rec.type), rec.data, &ours);
    ++records;
  }
  EXPECT_FALSE(decoder.torn_tail());
  ASSERT_GT(records, 20);
  auto bytes = base::ReadWholeFile(fs_, path);
  ASSERT_EQ(ours.size(), decoder.last_valid_offset());
  EXPECT_TRUE(bytes->compare(0, ours.size(), ours) == 0) << "framing and crc chain differ from etcd";
}

TEST_F(RealEtcdDataDir, OurWalAppendsToAnEtcdWal) {
  auto walsnaps = ValidSnapshotEntries(fs_, WalDir());
  ASSERT_TRUE(walsnaps.ok());
  const walpb::Snapshot at = walsnaps->back();
  auto w = Wal::Open(&fs_, WalDir(), at);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto contents = (*w)->ReadAll();
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  raftpb::Entry e;
  e.set_term(contents->state.term());
  e.set_index((*w)->last_index() + 1);
  e.set_type(raftpb::EntryNormal);
  raftpb::HardState st = contents->state;
  st.set_commit(e.index());
  ASSERT_TRUE((*w)->Save(st, std::span<const raftpb::Entry>(&e, 1)).ok());
  ASSERT_TRUE((*w)->Close().ok());
  auto again = Wal::OpenForRead(&fs_, WalDir(), at);
  auto c2 = (*again)->ReadAll();
  ASSERT_TRUE(c2.ok()) << c2.status().ToString();
  EXPECT_EQ(c2->entries.back().index(), e.index());
  again->reset();

  // The real etcd replays the WAL we extended and keeps serving writes.
  EXPECT_TRUE(run_->StartAndPut("after", "ours"));
  run_->Stop();
}

}  // namespace
}  // namespace etcdpp::wal
