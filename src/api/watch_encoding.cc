#include "api/watch_encoding.h"

#include <cstring>

namespace etcdpp::api {

size_t EventFieldsBytes(std::span<const mvcc::WatchEventPtr> events) {
  size_t n = 0;
  for (const auto& ev : events) n += ev->field().size();
  return n;
}

size_t AppendWatchResponse(const etcdserverpb::WatchResponse& head, std::span<const mvcc::WatchEventPtr> events,
                           std::string* out) {
  const size_t head_bytes = head.ByteSizeLong();
  const size_t at = out->size();
  const size_t bytes = head_bytes + EventFieldsBytes(events);
  out->resize(at + bytes);
  char* p = out->data() + at;
  head.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(p));
  p += head_bytes;
  for (const auto& ev : events) {
    const std::string& f = ev->field();
    std::memcpy(p, f.data(), f.size());
    p += f.size();
  }
  return bytes;
}

std::string EncodeWatchResponse(const etcdserverpb::WatchResponse& head,
                                std::span<const mvcc::WatchEventPtr> events) {
  std::string out;
  AppendWatchResponse(head, events, &out);
  return out;
}

std::vector<size_t> FragmentEnds(size_t whole_bytes, size_t piece_head_bytes, size_t n,
                                 const std::function<size_t(size_t)>& event_bytes, size_t limit_bytes) {
  if (n < 2 || whole_bytes < limit_bytes) return {n};
  std::vector<size_t> ends;
  size_t next = 0;
  while (next < n) {
    size_t bytes = piece_head_bytes;
    const size_t begin = next;
    for (; next < n; ++next) {
      const size_t add = event_bytes(next);
      if (next > begin && bytes + add >= limit_bytes) break;
      bytes += add;
    }
    ends.push_back(next);
  }
  return ends;
}

}  // namespace etcdpp::api
