#include "v2store/key_request.h"

#include "v2store/applier.h"
#include "v2store/form.h"
#include "v2store/go_text.h"

namespace etcdpp::v2store {
namespace {

// strconv.ParseBool.
bool ParseGoBool(std::string_view s, bool& out) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
    out = true;
    return true;
  }
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    out = false;
    return true;
  }
  return false;
}

// strconv.ParseUint(s, 10, 64).
bool ParseGoUint(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = v;
  return true;
}

Error RequestError(ErrorCode code, std::string cause) { return MakeError(code, std::move(cause), 0); }

// Absent: false. Present: the first value must parse.
bool FormBool(const Form& form, std::string_view key, bool& out) {
  out = false;
  const std::string* v = form.First(key);
  return v == nullptr || ParseGoBool(*v, out);
}

bool FormUint(const Form& form, std::string_view key, uint64_t& out) {
  out = 0;
  const std::string* v = form.First(key);
  return v == nullptr || ParseGoUint(*v, out);
}

struct Flags {
  bool recursive, sorted, wait, dir, quorum, stream;
};

// The boolean flags, checked in etcd's order so the first bad one is reported.
std::optional<Error> ParseFlags(const Form& form, Flags& f) {
  const std::pair<const char*, bool*> flags[] = {
      {"recursive", &f.recursive}, {"sorted", &f.sorted}, {"wait", &f.wait},
      {"dir", &f.dir},             {"quorum", &f.quorum}, {"stream", &f.stream},
  };
  for (const auto& [name, out] : flags) {
    if (!FormBool(form, name, *out)) {
      return RequestError(ErrorCode::kInvalidField,
                          std::string("invalid value for \"") + name + "\"");
    }
  }
  return std::nullopt;
}

// Parameters whose absence differs from their zero value.
struct Nullables {
  std::optional<uint64_t> ttl;
  std::optional<bool> prev_exist;
  std::optional<bool> refresh;
};

std::optional<Error> ParseNullables(const Form& form, Nullables& n) {
  // An empty ttl means no TTL at all (and clears an existing one).
  if (!form.Value("ttl").empty()) {
    uint64_t seconds;
    if (!FormUint(form, "ttl", seconds)) {
      return RequestError(ErrorCode::kTtlNaN, "invalid value for \"ttl\"");
    }
    n.ttl = seconds;
  }
  if (form.Has("prevExist")) {
    bool v;
    if (!FormBool(form, "prevExist", v)) {
      return RequestError(ErrorCode::kInvalidField, "invalid value for prevExist");
    }
    n.prev_exist = v;
  }
  if (form.Has("refresh")) {
    bool v;
    if (!FormBool(form, "refresh", v)) {
      return RequestError(ErrorCode::kInvalidField, "invalid value for refresh");
    }
    n.refresh = v;
    if (v && !form.Value("value").empty()) {
      return RequestError(ErrorCode::kRefreshValue, "A value was provided on a refresh");
    }
    if (v && !n.ttl) return RequestError(ErrorCode::kRefreshTtlRequired, "No TTL value set");
  }
  return std::nullopt;
}

}  // namespace

StoreResult<KeyRequest> ParseKeyRequest(const HttpKeyRequest& http, int64_t now_unix_ns) {
  auto parsed = ParseForm(http.method, http.raw_query, http.content_type, http.body);
  if (!parsed.ok()) return std::move(parsed.error());
  const Form& form = *parsed;
  if (http.path.substr(0, kKeysUrlPrefix.size()) != kKeysUrlPrefix) {
    return RequestError(ErrorCode::kInvalidForm, "incorrect key prefix");
  }
  uint64_t prev_index, wait_index;
  if (!FormUint(form, "prevIndex", prev_index)) {
    return RequestError(ErrorCode::kIndexNaN, "invalid value for \"prevIndex\"");
  }
  if (!FormUint(form, "waitIndex", wait_index)) {
    return RequestError(ErrorCode::kIndexNaN, "invalid value for \"waitIndex\"");
  }
  Flags f{};
  if (auto err = ParseFlags(form, f)) return *err;
  if (f.wait && http.method != "GET") {
    return RequestError(ErrorCode::kInvalidField, "\"wait\" can only be used with GET requests");
  }
  const std::string prev_value = form.Value("prevValue");
  if (form.Has("prevValue") && prev_value.empty()) {
    return RequestError(ErrorCode::kPrevValueRequired, "\"prevValue\" cannot be empty");
  }
  KeyRequest out;
  if (!FormBool(form, "noValueOnSuccess", out.no_value_on_success)) {
    return RequestError(ErrorCode::kInvalidField, "invalid value for \"noValueOnSuccess\"");
  }
  Nullables n;
  if (auto err = ParseNullables(form, n)) return *err;

  etcdserverpb::Request& r = out.request;
  r = NewV2Request(http.method, JoinPath(kKeysPrefix, http.path.substr(kKeysUrlPrefix.size())));
  r.set_val(form.Value("value"));
  r.set_dir(f.dir);
  r.set_prevvalue(prev_value);
  r.set_previndex(prev_index);
  if (n.prev_exist) r.set_prevexist(*n.prev_exist);
  // Go's Duration arithmetic wraps on overflow; unsigned arithmetic reproduces that.
  if (n.ttl) {
    r.set_expiration(
        static_cast<int64_t>(static_cast<uint64_t>(now_unix_ns) + *n.ttl * 1'000'000'000ULL));
  }
  r.set_wait(f.wait);
  r.set_since(wait_index);
  r.set_recursive(f.recursive);
  r.set_sorted(f.sorted);
  r.set_quorum(f.quorum);
  r.set_stream(f.stream);
  if (n.refresh) r.set_refresh(*n.refresh);
  return out;
}

KeyRoute RouteKeyRequest(etcdserverpb::Request& request) {
  if (request.method() == "GET" && request.quorum()) request.set_method("QGET");
  if (request.method() == "GET") return request.wait() ? KeyRoute::kWatch : KeyRoute::kLocalGet;
  if (request.method() == "HEAD") return KeyRoute::kLocalGet;
  return KeyRoute::kPropose;
}

StoreResult<EventPtr> ServeLocalGet(Store& store, const etcdserverpb::Request& request,
                                    int64_t now_unix_ns) {
  return store.Get(request.path(), request.recursive(), request.sorted(), now_unix_ns);
}

StoreResult<WatcherPtr> StartWatch(Store& store, const etcdserverpb::Request& request) {
  return store.Watch(request.path(), request.recursive(), request.stream(), request.since());
}

}  // namespace etcdpp::v2store
