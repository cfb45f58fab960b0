#include "base/flag_set.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include <fmt/format.h>

namespace etcdpp {
namespace {

Status SyntaxError() { return InvalidArgument("parse error"); }
Status RangeError() { return OutOfRange("value out of range"); }

// Go accepts '_' in base-0 literals only between digits or right after a base prefix.
bool UnderscoresWellPlaced(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
    if (c == 'b' || c == 'o' || c == 'x') {
      i = 2;
      saw = '0';
      hex = c == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isdigit(c) || (hex && std::isxdigit(c))) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

}  // namespace

Result<uint64_t> ParseGoUint(std::string_view text, int bits) {
  if (text.empty()) return SyntaxError();
  std::string_view s = text;
  int base = 10;
  if (s[0] == '0') {
    char c = s.size() >= 3 ? static_cast<char>(std::tolower(static_cast<unsigned char>(s[1]))) : 0;
    if (c == 'b' || c == 'o' || c == 'x') {
      base = c == 'b' ? 2 : c == 'o' ? 8 : 16;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  const uint64_t max = bits >= 64 ? std::numeric_limits<uint64_t>::max() : (uint64_t{1} << bits) - 1;
  bool underscores = false;
  uint64_t n = 0;
  for (char c : s) {
    if (c == '_') {
      underscores = true;
      continue;
    }
    int d = DigitValue(c);
    if (d >= base) return SyntaxError();
    if (n > (max - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return RangeError();
    n = n * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  if (underscores && !UnderscoresWellPlaced(text)) return SyntaxError();
  return n;
}

Result<int64_t> ParseGoInt(std::string_view text, int bits) {
  if (text.empty()) return SyntaxError();
  std::string_view s = text;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  Result<uint64_t> magnitude = ParseGoUint(s, 64);
  if (!magnitude.ok()) return magnitude.status();
  const uint64_t cutoff = uint64_t{1} << (bits - 1);
  if (!negative && *magnitude >= cutoff) return RangeError();
  if (negative && *magnitude > cutoff) return RangeError();
  if (negative) return static_cast<int64_t>(0 - *magnitude);
  return static_cast<int64_t>(*magnitude);
}

Result<bool> ParseGoBool(std::string_view s) {
  static constexpr std::string_view kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
  static constexpr std::string_view kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (auto t : kTrue)
    if (s == t) return true;
  for (auto f : kFalse)
    if (f == s) return false;
  return SyntaxError();
}

namespace {

struct DurationUnit {
  std::string_view name;
  uint64_t ns;
};
constexpr DurationUnit kDurationUnits[] = {
    {"ns", 1}, {"us", 1000}, {"\u00b5s", 1000}, {"\u03bcs", 1000},
    {"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000}, {"h", 3600000000000},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text) {
  auto invalid = [&] { return InvalidArgument(fmt::format("time: invalid duration \"{}\"", text)); };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return invalid();
  constexpr uint64_t kLimit = uint64_t{1} << 63;
  uint64_t total = 0;
  while (!s.empty()) {
    if (s[0] != '.' && !IsDigit(s[0])) return invalid();
    uint64_t whole = 0;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (whole > (kLimit - 1) / 10) return invalid();
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      if (whole > kLimit) return invalid();
    }
    bool has_whole = i > 0;
    s.remove_prefix(i);
    uint64_t frac = 0;
    double scale = 1;
    bool has_frac = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      for (i = 0; i < s.size() && IsDigit(s[i]); ++i) {
        if (overflow) continue;
        if (frac > (kLimit - 1) / 10) {
          overflow = true;  // further digits cannot change the value at nanosecond precision
          continue;
        }
        frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
        scale *= 10;
      }
      has_frac = i > 0;
      s.remove_prefix(i);
    }
    if (!has_whole && !has_frac) return invalid();
    for (i = 0; i < s.size() && s[i] != '.' && !IsDigit(s[i]); ++i) {
    }
    if (i == 0) return InvalidArgument(fmt::format("time: missing unit in duration \"{}\"", text));
    std::string_view unit_name = s.substr(0, i);
    s.remove_prefix(i);
    const DurationUnit* unit = nullptr;
    for (const auto& u : kDurationUnits)
      if (u.name == unit_name) unit = &u;
    if (unit == nullptr) {
      return InvalidArgument(fmt::format("time: unknown unit \"{}\" in duration \"{}\"", unit_name, text));
    }
    if (whole > kLimit / unit->ns) return invalid();
    uint64_t v = whole * unit->ns;
    if (frac > 0) {
      v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(unit->ns) / scale));
      if (v > kLimit) return invalid();
    }
    total += v;
    if (total > kLimit) return invalid();
  }
  if (negative) return std::chrono::nanoseconds(static_cast<int64_t>(0 - total));
  if (total > kLimit - 1) return invalid();
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

namespace {

// Writes v / 10^prec with trailing zeros (and a bare '.') dropped, as Go's fmtFrac does.
std::string FractionDigits(uint64_t& v, int prec) {
  std::string digits;
  bool printed = false;
  for (int i = 0; i < prec; ++i) {
    uint64_t digit = v % 10;
    printed = printed || digit != 0;
    if (printed) digits.insert(digits.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  return printed ? "." + digits : "";
}

}  // namespace

std::string FormatGoDuration(std::chrono::nanoseconds d) {
  int64_t count = d.count();
  bool negative = count < 0;
  uint64_t u = negative ? 0 - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);
  std::string out;
  if (u < 1000000000) {
    if (u == 0) return "0s";
    int prec;
    std::string unit;
    if (u < 1000) {
      prec = 0;
      unit = "ns";
    } else if (u < 1000000) {
      prec = 3;
      unit = "\u00b5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    std::string frac = FractionDigits(u, prec);
    out = std::to_string(u) + frac + unit;
  } else {
    std::string frac = FractionDigits(u, 9);
    out = std::to_string(u % 60) + frac + "s";
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;
    }
  }
  return negative ? "-" + out : out;
}

FlagSet::Step FlagSet::Fail(std::string message) {
  error_ = std::move(message);
  return Step::kError;
}

void FlagSet::Add(Flag flag) {
  ETCDPP_CHECK(flags_.count(flag.name) == 0, "flag redefined: " + flag.name);
  std::string name = flag.name;
  flags_.emplace(std::move(name), std::move(flag));
}

void FlagSet::String(std::string name, std::string* target, std::string usage) {
  Custom(std::move(name), false, [target](std::string_view v) {
    *target = std::string(v);
    return Status::Ok();
  }, std::move(usage));
}

void FlagSet::Bool(std::string name, bool* target, std::string usage) {
  Custom(std::move(name), true, [target](std::string_view v) -> Status {
    ETCDPP_ASSIGN_OR_RETURN(*target, ParseGoBool(v));
    return Status::Ok();
  }, std::move(usage));
}

void FlagSet::Int(std::string name, int64_t* target, std::string usage) {
  Custom(std::move(name), false, [target](std::string_view v) -> Status {
    ETCDPP_ASSIGN_OR_RETURN(*target, ParseGoInt(v, 64));
    return Status::Ok();
  }, std::move(usage));
}

void FlagSet::Uint(std::string name, uint64_t* target, std::string usage) {
  Custom(std::move(name), false, [target](std::string_view v) -> Status {
    ETCDPP_ASSIGN_OR_RETURN(*target, ParseGoUint(v, 64));
    return Status::Ok();
  }, std::move(usage));
}

void FlagSet::Duration(std::string name, std::chrono::nanoseconds* target, std::string usage) {
  Custom(std::move(name), false, [target](std::string_view v) -> Status {
    Result<std::chrono::nanoseconds> d = ParseGoDuration(v);
    if (!d.ok()) return SyntaxError();  // Go's flag package hides the details
    *target = *d;
    return Status::Ok();
  }, std::move(usage));
}

void FlagSet::Custom(std::string name, bool is_bool, Setter set, std::string usage) {
  Add(Flag{std::move(name), std::move(usage), is_bool, std::move(set)});
}

const FlagSet::Flag* FlagSet::Lookup(std::string_view name) const {
  auto it = flags_.find(name);
  return it == flags_.end() ? nullptr : &it->second;
}

Status FlagSet::Set(std::string_view name, std::string_view value) {
  auto it = flags_.find(name);
  if (it == flags_.end()) return NotFound(fmt::format("no such flag -{}", name));
  ETCDPP_RETURN_IF_ERROR(it->second.set(value));
  set_.insert(std::string(name));
  return Status::Ok();
}

std::vector<std::string> FlagSet::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, flag] : flags_) names.push_back(name);
  return names;
}

FlagSet::Outcome FlagSet::Parse(const std::vector<std::string>& args) {
  positional_.clear();
  error_.clear();
  auto it = args.begin();
  for (;;) {
    Step step = ParseOne(it, args.end());
    if (step == Step::kFlag) continue;
    if (step == Step::kHelp) return Outcome::kHelp;
    if (step == Step::kError) return Outcome::kError;
    break;
  }
  positional_.assign(it, args.end());
  return Outcome::kOk;
}

FlagSet::Step FlagSet::ParseOne(std::vector<std::string>::const_iterator& it,
                                std::vector<std::string>::const_iterator end) {
  if (it == end) return Step::kDone;
  const std::string& arg = *it;
  if (arg.size() < 2 || arg[0] != '-') return Step::kDone;
  size_t dashes = 1;
  if (arg[1] == '-') {
    dashes = 2;
    if (arg.size() == 2) {  // "--" ends the flags and is itself dropped
      ++it;
      return Step::kDone;
    }
  }
  std::string name = arg.substr(dashes);
  if (name.empty() || name[0] == '-' || name[0] == '=') return Fail("bad flag syntax: " + arg);
  ++it;
  bool has_value = false;
  std::string value;
  if (size_t eq = name.find('=', 1); eq != std::string::npos) {
    value = name.substr(eq + 1);
    name.resize(eq);
    has_value = true;
  }
  auto found = flags_.find(name);
  if (found == flags_.end()) {
    if (name == "help" || name == "h") return Step::kHelp;
    return Fail("flag provided but not defined: -" + name);
  }
  Flag& flag = found->second;
  if (flag.is_bool) {
    Status s = flag.set(has_value ? value : "true");
    if (!s.ok()) {
      if (has_value) {
        return Fail(fmt::format("invalid boolean value \"{}\" for -{}: {}", value, name, s.message()));
      }
      return Fail(fmt::format("invalid boolean flag {}: {}", name, s.message()));
    }
  } else {
    if (!has_value && it != end) {
      value = *it++;
      has_value = true;
    }
    if (!has_value) return Fail("flag needs an argument: -" + name);
    Status s = flag.set(value);
    if (!s.ok()) return Fail(fmt::format("invalid value \"{}\" for flag -{}: {}", value, name, s.message()));
  }
  set_.insert(name);
  return Step::kFlag;
}

std::string FlagSet::EnvKey(std::string_view prefix, std::string_view flag_name) {
  std::string key(prefix);
  key += '_';
  for (char c : flag_name) key += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return key;
}

Status FlagSet::SetFromEnv(std::string_view prefix, const std::vector<std::string>& environ,
                           EnvReport* report) {
  std::map<std::string, std::string> values;  // first occurrence wins, like getenv
  for (const std::string& entry : environ) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    values.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  std::set<std::string> given_keys, used_keys;
  for (const std::string& name : set_) given_keys.insert(EnvKey(prefix, name));
  Status result;
  for (auto& [name, flag] : flags_) {
    std::string key = EnvKey(prefix, name);
    if (given_keys.count(key)) continue;
    auto v = values.find(key);
    if (v == values.end() || v->second.empty()) continue;
    used_keys.insert(key);
    Status s = flag.set(v->second);
    if (!s.ok()) {
      result = InvalidArgument(fmt::format("invalid value \"{}\" for {}: {}", v->second, key, s.message()));
      continue;
    }
    set_.insert(name);
    report->used.emplace_back(key, v->second);
  }
  const std::string env_prefix = std::string(prefix) + "_";
  for (const std::string& entry : environ) {
    std::string key = entry.substr(0, entry.find('='));
    if (used_keys.count(key)) continue;
    if (given_keys.count(key)) {
      report->conflicting = key;
      break;
    }
    if (entry.starts_with(env_prefix)) report->unrecognized.push_back(entry);
  }
  return result;
}

}  // namespace etcdpp
