#include "mvcc/watch_event.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

namespace etcdpp::mvcc {
namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::internal::WireFormatLite;

std::string EncodeField(const mvccpb::Event& ev) {
  std::string out;
  AppendEventField(ev, &out);
  return out;
}

}  // namespace

void AppendEventField(const mvccpb::Event& ev, std::string* out) {
  const uint32_t tag = WireFormatLite::MakeTag(kWatchResponseEventsField, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  const size_t body = ev.ByteSizeLong();
  const size_t head = CodedOutputStream::VarintSize32(tag) + CodedOutputStream::VarintSize64(body);
  const size_t at = out->size();
  out->resize(at + head + body);
  auto* p = reinterpret_cast<uint8_t*>(out->data() + at);
  p = CodedOutputStream::WriteVarint32ToArray(tag, p);
  p = CodedOutputStream::WriteVarint64ToArray(body, p);
  ev.SerializeWithCachedSizesToArray(p);  // sizes cached by ByteSizeLong above
}

WatchEventPtr WatchEvent::Make(mvccpb::Event ev) { return std::make_shared<const WatchEvent>(std::move(ev)); }

WatchEvent::WatchEvent(mvccpb::Event ev) : event_(std::move(ev)), field_(EncodeField(event_)) {}

WatchEventPtr WatchEvent::WithPrevKv(const WatchEventPtr& self, const PrevKvLookup& lookup) {
  std::call_once(self->prev_once_, [&] {
    std::optional<mvccpb::KeyValue> prev = lookup(self->event_);
    if (!prev) return;
    mvccpb::Event ev = self->event_;
    *ev.mutable_prev_kv() = std::move(*prev);
    self->with_prev_ = std::make_unique<const WatchEvent>(std::move(ev));
  });
  if (!self->with_prev_) return self;
  // Shares ownership with `self`, which owns the variant.
  return WatchEventPtr(self, self->with_prev_.get());
}

}  // namespace etcdpp::mvcc
