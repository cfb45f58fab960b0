#include "backend/mapped_pages.h"

#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <utility>

namespace etcdpp::backend {
namespace {

struct Range {
  uintptr_t begin = 0;
  uintptr_t end = 0;
};

std::mutex& MapsMu() {
  static std::mutex mu;
  return mu;
}

std::map<const void*, Range>& Maps() {
  static std::map<const void*, Range> maps;
  return maps;
}

// The largest mapping of the file in this process (LMDB maps it once, read-only).
Range FindMapping(dev_t dev, ino_t ino) {
  Range best;
  FILE* f = std::fopen("/proc/self/maps", "re");
  if (f == nullptr) return best;
  char line[4096];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long begin = 0, end = 0, offset = 0, inode = 0;
    unsigned major = 0, minor = 0;
    char perms[8] = {};
    if (std::sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &begin, &end, perms, &offset, &major, &minor, &inode) != 7) {
      continue;
    }
    if (inode != ino || makedev(major, minor) != dev) continue;
    if (end - begin > best.end - best.begin) best = {begin, end};
  }
  std::fclose(f);
  return best;
}

}  // namespace

void RegisterFileMap(const void* owner, dev_t dev, ino_t ino) {
  const Range r = FindMapping(dev, ino);
  std::lock_guard lock(MapsMu());
  if (r.end > r.begin) {
    Maps()[owner] = r;
  } else {
    Maps().erase(owner);
  }
}

void UnregisterFileMap(const void* owner) {
  std::lock_guard lock(MapsMu());
  Maps().erase(owner);
}

void ReleaseMappedPages(std::string_view bytes) {
  constexpr size_t kWorthBytes = 256 << 10;
  if (bytes.size() < kWorthBytes) return;
  static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(bytes.data());
  const uintptr_t first = (begin + page - 1) & ~(page - 1);
  const uintptr_t last = (begin + bytes.size()) & ~(page - 1);
  if (last <= first) return;
  {
    std::lock_guard lock(MapsMu());
    const bool inside = std::any_of(Maps().begin(), Maps().end(),
                                    [&](const auto& m) { return first >= m.second.begin && last <= m.second.end; });
    if (!inside) return;
  }
  // Advisory: on failure the pages simply stay mapped.
  (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

void ReleaseFileMap(const void* owner, size_t bytes) {
  Range r;
  {
    std::lock_guard lock(MapsMu());
    auto it = Maps().find(owner);
    if (it == Maps().end()) return;
    r = it->second;
  }
  // In steps: each call holds the mapping's lock only for its own pages.
  constexpr uintptr_t kStep = uintptr_t{16} << 20;
  const uintptr_t end = std::min(r.end, r.begin + bytes);
  for (uintptr_t at = r.begin; at < end; at += kStep) {
    (void)::madvise(reinterpret_cast<void*>(at), std::min(kStep, end - at), MADV_DONTNEED);
  }
}

}  // namespace etcdpp::backend
