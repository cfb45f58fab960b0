#include "backend/bolt_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "backend/backend.h"
#include "backend/schema.h"

namespace etcdpp::backend {
namespace {

constexpr uint32_t kPageSize = 4096;
constexpr uint32_t kMagic = 0xED0CDAED;
constexpr uint32_t kVersion = 2;
constexpr uint16_t kBranchFlag = 0x01;
constexpr uint16_t kLeafFlag = 0x02;
constexpr uint16_t kMetaFlag = 0x04;
constexpr uint16_t kFreelistFlag = 0x10;
constexpr uint32_t kBucketLeafFlag = 0x01;
constexpr size_t kHeaderSize = 16;   // id u64, flags u16, count u16, overflow u32
constexpr size_t kElementSize = 16;  // leaf: flags,pos,ksize,vsize u32; branch: pos,ksize u32, pgid u64
constexpr size_t kMetaChecksumOffset = 56;

Status Errno(const std::string& what) { return IoError(what + ": " + std::strerror(errno)); }

template <typename T>
void Put(std::string& buf, size_t off, T v) {
  std::memcpy(buf.data() + off, &v, sizeof v);  // bbolt is little-endian on our targets
}
template <typename T>
T Get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint64_t Fnv64a(const char* p, size_t n) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 1099511628211ull;
  }
  return h;
}

// Appends pages to a file by page id.
class PageFile {
 public:
  explicit PageFile(int fd) : fd_(fd) {}
  uint64_t next_pgid() const { return next_; }
  // Writes `pages` (a multiple of the page size) at the next id and returns that id.
  Result<uint64_t> Append(const std::string& pages) {
    const uint64_t id = next_;
    ETCDPP_RETURN_IF_ERROR(WriteAt(id, pages));
    next_ += pages.size() / kPageSize;
    return id;
  }
  Status WriteAt(uint64_t id, const std::string& pages) {
    size_t done = 0;
    while (done < pages.size()) {
      ssize_t n = ::pwrite(fd_, pages.data() + done, pages.size() - done, static_cast<off_t>(id * kPageSize + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno("write bolt page");
      }
      done += static_cast<size_t>(n);
    }
    return Status();
  }
  void Reserve(uint64_t pages) { next_ += pages; }

 private:
  int fd_;
  uint64_t next_ = 0;
};

std::string NewPages(size_t content_bytes, uint64_t id, uint16_t flags, uint16_t count) {
  const size_t pages = (content_bytes + kPageSize - 1) / kPageSize;
  std::string buf(std::max<size_t>(pages, 1) * kPageSize, '\0');
  Put<uint64_t>(buf, 0, id);
  Put<uint16_t>(buf, 8, flags);
  Put<uint16_t>(buf, 10, count);
  Put<uint32_t>(buf, 12, static_cast<uint32_t>(buf.size() / kPageSize - 1));
  return buf;
}

struct Child {
  std::string first_key;
  uint64_t pgid;
};

// Packs sorted elements into leaf pages (an element too big for a page gets overflow pages).
class LeafWriter {
 public:
  explicit LeafWriter(PageFile* file) : file_(file) {}

  Status Add(std::string_view key, std::string_view value, uint32_t flags) {
    const size_t add = kElementSize + key.size() + value.size();
    if (!keys_.empty() && bytes_ + add > kPageSize) ETCDPP_RETURN_IF_ERROR(Flush());
    keys_.emplace_back(key);
    values_.emplace_back(value);
    flags_.push_back(flags);
    bytes_ += add;
    return Status();
  }
  // Ends the last page (an empty bucket still gets one) and returns every page.
  Result<std::vector<Child>> Finish() {
    if (!keys_.empty() || children_.empty()) ETCDPP_RETURN_IF_ERROR(Flush());
    return std::move(children_);
  }

 private:
  Status Flush() {
    const uint16_t n = static_cast<uint16_t>(keys_.size());
    std::string buf = NewPages(bytes_, file_->next_pgid(), kLeafFlag, n);
    size_t data = kHeaderSize + n * kElementSize;
    for (size_t i = 0; i < n; ++i) {
      const size_t elem = kHeaderSize + i * kElementSize;
      Put<uint32_t>(buf, elem, flags_[i]);
      Put<uint32_t>(buf, elem + 4, static_cast<uint32_t>(data - elem));
      Put<uint32_t>(buf, elem + 8, static_cast<uint32_t>(keys_[i].size()));
      Put<uint32_t>(buf, elem + 12, static_cast<uint32_t>(values_[i].size()));
      std::memcpy(buf.data() + data, keys_[i].data(), keys_[i].size());
      data += keys_[i].size();
      std::memcpy(buf.data() + data, values_[i].data(), values_[i].size());
      data += values_[i].size();
    }
    ETCDPP_ASSIGN_OR_RETURN(uint64_t id, file_->Append(buf));
    children_.push_back({n > 0 ? keys_[0] : std::string(), id});
    keys_.clear();
    values_.clear();
    flags_.clear();
    bytes_ = kHeaderSize;
    return Status();
  }

  PageFile* file_;
  std::vector<std::string> keys_;
  std::vector<std::string> values_;
  std::vector<uint32_t> flags_;
  size_t bytes_ = kHeaderSize;
  std::vector<Child> children_;
};

// Builds branch levels over `level` until one page remains; returns the root page id.
Result<uint64_t> BuildBranches(PageFile* file, std::vector<Child> level) {
  while (level.size() > 1) {
    std::vector<Child> up;
    size_t i = 0;
    while (i < level.size()) {
      size_t j = i;
      size_t bytes = kHeaderSize;
      while (j < level.size() && (j == i || bytes + kElementSize + level[j].first_key.size() <= kPageSize)) {
        bytes += kElementSize + level[j].first_key.size();
        ++j;
      }
      const uint16_t n = static_cast<uint16_t>(j - i);
      std::string buf = NewPages(bytes, file->next_pgid(), kBranchFlag, n);
      size_t data = kHeaderSize + n * kElementSize;
      for (size_t k = 0; k < n; ++k) {
        const Child& c = level[i + k];
        const size_t elem = kHeaderSize + k * kElementSize;
        Put<uint32_t>(buf, elem, static_cast<uint32_t>(data - elem));
        Put<uint32_t>(buf, elem + 4, static_cast<uint32_t>(c.first_key.size()));
        Put<uint64_t>(buf, elem + 8, c.pgid);
        std::memcpy(buf.data() + data, c.first_key.data(), c.first_key.size());
        data += c.first_key.size();
      }
      ETCDPP_ASSIGN_OR_RETURN(uint64_t id, file->Append(buf));
      up.push_back({level[i].first_key, id});
      i = j;
    }
    level = std::move(up);
  }
  return level.front().pgid;
}

std::string MetaPage(uint64_t id, uint64_t root, uint64_t freelist, uint64_t high_water, uint64_t txid) {
  std::string buf = NewPages(kPageSize, id, kMetaFlag, 0);
  const size_t m = kHeaderSize;
  Put<uint32_t>(buf, m, kMagic);
  Put<uint32_t>(buf, m + 4, kVersion);
  Put<uint32_t>(buf, m + 8, kPageSize);
  Put<uint32_t>(buf, m + 12, 0);
  Put<uint64_t>(buf, m + 16, root);
  Put<uint64_t>(buf, m + 24, 0);  // root bucket sequence
  Put<uint64_t>(buf, m + 32, freelist);
  Put<uint64_t>(buf, m + 40, high_water);
  Put<uint64_t>(buf, m + 48, txid);
  Put<uint64_t>(buf, m + kMetaChecksumOffset, Fnv64a(buf.data() + m, kMetaChecksumOffset));
  return buf;
}

Status WriteBuckets(const ReadTx& tx, PageFile& file) {
  file.Reserve(2);  // the meta pages, written last
  LeafWriter root_leaf(&file);
  for (Bucket bucket : BucketsByName()) {
    LeafWriter leaf(&file);
    Status inner;
    ETCDPP_RETURN_IF_ERROR(tx.Range(bucket, "", "", 0, [&](std::string_view k, std::string_view v) {
      inner = leaf.Add(k, v, 0);
      return inner.ok();
    }));
    ETCDPP_RETURN_IF_ERROR(inner);
    ETCDPP_ASSIGN_OR_RETURN(std::vector<Child> pages, leaf.Finish());
    ETCDPP_ASSIGN_OR_RETURN(uint64_t root, BuildBranches(&file, std::move(pages)));
    std::string header(16, '\0');
    Put<uint64_t>(header, 0, root);
    ETCDPP_RETURN_IF_ERROR(root_leaf.Add(BucketName(bucket), header, kBucketLeafFlag));
  }
  ETCDPP_ASSIGN_OR_RETURN(std::vector<Child> root_pages, root_leaf.Finish());
  ETCDPP_ASSIGN_OR_RETURN(uint64_t root, BuildBranches(&file, std::move(root_pages)));
  ETCDPP_ASSIGN_OR_RETURN(uint64_t freelist, file.Append(NewPages(kHeaderSize, file.next_pgid(), kFreelistFlag, 0)));
  const uint64_t high_water = file.next_pgid();
  ETCDPP_RETURN_IF_ERROR(file.WriteAt(0, MetaPage(0, root, freelist, high_water, 0)));
  return file.WriteAt(1, MetaPage(1, root, freelist, high_water, 1));
}

// A read-only mapping of a bbolt file with bounds-checked page access.
class BoltMap {
 public:
  ~BoltMap() {
    if (base_) ::munmap(const_cast<char*>(base_), size_);
  }
  Status Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("open " + path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return Errno("stat " + path);
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ < 2 * kPageSize) {
      ::close(fd);
      return Corruption("bolt: file too small");
    }
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) return Errno("mmap " + path);
    base_ = static_cast<const char*>(p);
    return PickMeta();
  }
  uint64_t root() const { return root_; }

  // The page `id` with its overflow, or null when it lies outside the file.
  const char* Page(uint64_t id, size_t* bytes) const {
    if (id > size_ / page_size_) return nullptr;
    const char* p = base_ + id * page_size_;
    if (static_cast<size_t>(p - base_) + kHeaderSize > size_) return nullptr;
    const uint64_t len = (uint64_t{Get<uint32_t>(p + 12)} + 1) * page_size_;
    if (static_cast<size_t>(p - base_) + len > size_) return nullptr;
    *bytes = len;
    return p;
  }

 private:
  Status PickMeta() {
    bool found = false;
    uint64_t best_txid = 0;
    for (int i = 0; i < 2; ++i) {
      const size_t ps = i == 0 ? kPageSize : page_size_;
      if ((i + 1) * ps > size_) break;
      const char* m = base_ + i * ps + kHeaderSize;
      if (Get<uint32_t>(m) != kMagic || Get<uint32_t>(m + 4) != kVersion) continue;
      const uint64_t sum = Get<uint64_t>(m + kMetaChecksumOffset);
      if (sum != 0 && sum != Fnv64a(m, kMetaChecksumOffset)) continue;
      if (i == 0) page_size_ = Get<uint32_t>(m + 8);
      const uint64_t txid = Get<uint64_t>(m + 48);
      if (!found || txid > best_txid) {
        found = true;
        best_txid = txid;
        root_ = Get<uint64_t>(m + 16);
      }
    }
    if (!found || page_size_ < 512) return Corruption("bolt: no valid meta page");
    return Status();
  }

  const char* base_ = nullptr;
  size_t size_ = 0;
  size_t page_size_ = kPageSize;
  uint64_t root_ = 0;
};

using ElementFn = std::function<Status(uint32_t flags, std::string_view key, std::string_view value)>;

// Visits the leaf elements under a page held in `page` (`bytes` long), in key order.
Status WalkPage(const BoltMap& map, const char* page, size_t bytes, int depth, const ElementFn& fn) {
  if (depth > 64) return Corruption("bolt: tree too deep");
  const uint16_t flags = Get<uint16_t>(page + 8);
  const uint16_t count = Get<uint16_t>(page + 10);
  if (kHeaderSize + size_t{count} * kElementSize > bytes) return Corruption("bolt: page elements out of bounds");
  for (size_t i = 0; i < count; ++i) {
    const char* elem = page + kHeaderSize + i * kElementSize;
    const size_t off = static_cast<size_t>(elem - page);
    if (flags & kLeafFlag) {
      const size_t key_off = off + Get<uint32_t>(elem + 4);
      const size_t ksize = Get<uint32_t>(elem + 8), vsize = Get<uint32_t>(elem + 12);
      if (key_off + ksize + vsize > bytes) return Corruption("bolt: leaf element out of bounds");
      ETCDPP_RETURN_IF_ERROR(fn(Get<uint32_t>(elem), std::string_view(page + key_off, ksize),
                                std::string_view(page + key_off + ksize, vsize)));
    } else if (flags & kBranchFlag) {
      size_t child_bytes = 0;
      const char* child = map.Page(Get<uint64_t>(elem + 8), &child_bytes);
      if (!child) return Corruption("bolt: branch points outside the file");
      ETCDPP_RETURN_IF_ERROR(WalkPage(map, child, child_bytes, depth + 1, fn));
    } else {
      return Corruption("bolt: unexpected page type");
    }
  }
  return Status();
}

Status WalkBucket(const BoltMap& map, std::string_view header, const ElementFn& fn) {
  if (header.size() < 16) return Corruption("bolt: short bucket header");
  const uint64_t root = Get<uint64_t>(header.data());
  if (root == 0) {  // inline bucket: its page follows the header inside the value
    return WalkPage(map, header.data() + 16, header.size() - 16, 0, fn);
  }
  size_t bytes = 0;
  const char* page = map.Page(root, &bytes);
  if (!page) return Corruption("bolt: bucket root outside the file");
  return WalkPage(map, page, bytes, 0, fn);
}

}  // namespace

Result<uint64_t> WriteBoltFile(const ReadTx& tx, const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("create " + path);
  PageFile file(fd);
  Status st = WriteBuckets(tx, file);
  if (st.ok() && ::fsync(fd) != 0) st = Errno("fsync " + path);
  ::close(fd);
  ETCDPP_RETURN_IF_ERROR(st);
  return file.next_pgid() * kPageSize;
}

bool IsBoltFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[kHeaderSize + 8];
  const bool ok = ::pread(fd, buf, sizeof buf, 0) == static_cast<ssize_t>(sizeof buf);
  ::close(fd);
  return ok && (Get<uint16_t>(buf + 8) & kMetaFlag) && Get<uint32_t>(buf + kHeaderSize) == kMagic;
}

Status ReadBoltFile(const std::string& path, const BoltVisitor& visit) {
  BoltMap map;
  ETCDPP_RETURN_IF_ERROR(map.Open(path));
  size_t bytes = 0;
  const char* root = map.Page(map.root(), &bytes);
  if (!root) return Corruption("bolt: root outside the file");
  return WalkPage(map, root, bytes, 0, [&](uint32_t flags, std::string_view name, std::string_view header) {
    if (!(flags & kBucketLeafFlag)) return Status();  // a key outside every bucket
    return WalkBucket(map, header, [&](uint32_t f, std::string_view k, std::string_view v) {
      if (f & kBucketLeafFlag) return Status();  // etcd nests no buckets
      return visit(name, k, v);
    });
  });
}

Status ConvertBoltToBackend(const std::string& path) {
  const std::string tmp = path + ".convert";
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  std::filesystem::remove(tmp + "-lock", ec);
  {
    BackendOptions options;
    options.path = tmp;
    options.batch_interval_ms = 0;
    ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<Backend> b, Backend::Open(options));
    constexpr size_t kOpsPerBatch = 1000;
    std::optional<BatchTx> tx;
    size_t ops = 0;
    ETCDPP_RETURN_IF_ERROR(ReadBoltFile(path, [&](std::string_view name, std::string_view k, std::string_view v) {
      for (Bucket bucket : BucketsByName()) {
        if (BucketName(bucket) != name) continue;
        if (!tx) tx.emplace(b->BeginWrite());
        tx->Put(bucket, k, v);
        if (++ops % kOpsPerBatch == 0) {
          tx->End();
          tx.reset();
        }
      }
      return Status();
    }));
    if (tx) tx->End();
    tx.reset();
    ETCDPP_RETURN_IF_ERROR(b->ForceCommit());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("rename " + tmp);
  std::filesystem::remove(tmp + "-lock", ec);
  std::filesystem::remove(path + "-lock", ec);
  int dir = ::open(std::filesystem::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status();
}

}  // namespace etcdpp::backend
