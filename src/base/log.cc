#include "base/log.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace etcdpp {
namespace {

char CapnslogLetter(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return 'D';
    case LogLevel::kInfo: return 'I';
    case LogLevel::kNotice: return 'N';
    case LogLevel::kWarn: return 'W';
    case LogLevel::kError: return 'E';
    case LogLevel::kCritical: return 'C';
  }
  return '?';
}

std::string_view ZapLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo:
    case LogLevel::kNotice: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kCritical: return "fatal";
  }
  return "info";
}

struct LocalTime {
  std::tm tm{};
  long micros = 0;
  long offset_s = 0;  // east of UTC
};

LocalTime ToLocal(std::chrono::system_clock::time_point t) {
  auto since = t.time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  if (secs > since) secs -= std::chrono::seconds(1);  // floor for times before 1970
  LocalTime out;
  std::time_t tt = static_cast<std::time_t>(secs.count());
  localtime_r(&tt, &out.tm);
  out.micros = static_cast<long>(std::chrono::duration_cast<std::chrono::microseconds>(since - secs).count());
  out.offset_s = out.tm.tm_gmtoff;
  return out;
}

std::shared_ptr<spdlog::logger> MakeSink(const std::vector<std::string>& outputs) {
  std::vector<spdlog::sink_ptr> sinks;
  for (const std::string& out : outputs) {
    if (out == "default" || out == "stderr") {
      sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    } else if (out == "stdout") {
      sinks.push_back(std::make_shared<spdlog::sinks::stdout_sink_mt>());
    } else {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(out));  // may throw
    }
  }
  auto logger = std::make_shared<spdlog::logger>("etcdpp", sinks.begin(), sinks.end());
  logger->set_formatter(std::make_unique<spdlog::pattern_formatter>("%v"));
  logger->set_level(spdlog::level::trace);  // filtering is ours
  logger->flush_on(spdlog::level::trace);   // every line reaches the file at once, as etcd's do
  return logger;
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  if (text == "dpanic" || text == "panic" || text == "fatal") return LogLevel::kCritical;
  return InvalidArgument(fmt::format("unknown level \"{}\"", text));
}

std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

LogField LogField::Str(std::string key, std::string_view value) {
  return {std::move(key), JsonQuote(value), std::string(value)};
}
LogField LogField::Int(std::string key, int64_t value) {
  return {std::move(key), std::to_string(value), std::to_string(value)};
}
LogField LogField::Uint(std::string key, uint64_t value) {
  return {std::move(key), std::to_string(value), std::to_string(value)};
}
LogField LogField::Bool(std::string key, bool value) {
  return {std::move(key), value ? "true" : "false", value ? "true" : "false"};
}
LogField LogField::Strs(std::string key, const std::vector<std::string>& values) {
  std::string json = "[", plain = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      json += ',';
      plain += ' ';
    }
    json += JsonQuote(values[i]);
    plain += values[i];
  }
  return {std::move(key), json + "]", plain + "]"};
}

Logger::Logger(Clock clock) : clock_(std::move(clock)), sink_(MakeSink({"default"})) {}

Logger::~Logger() { Flush(); }

Status Logger::Configure(const LogOptions& options) {
  if (options.outputs.empty()) return InvalidArgument("no log output given");
  for (const std::string& out : options.outputs) {
    if (out == "default" || out == "stderr" || out == "stdout") continue;
    // spdlog would create missing directories; etcd refuses a path it cannot open.
    std::FILE* f = std::fopen(out.c_str(), "a");
    if (f == nullptr) {
      std::string why = std::strerror(errno);
      if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
      return IoError(fmt::format("open sink \"{}\": open {}: {}", out, out, why));
    }
    std::fclose(f);
  }
  try {
    sink_ = MakeSink(options.outputs);
  } catch (const std::exception& e) {
    return IoError(fmt::format("cannot open log output: {}", e.what()));
  }
  options_ = options;
  return Status::Ok();
}

std::string Logger::Format(LogLevel level, std::string_view component, std::string_view text,
                           std::string_view message, std::initializer_list<LogField> fields) const {
  LocalTime t = ToLocal(clock_());
  if (options_.format == LogFormat::kCapnslog) {
    std::string line = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06} {} | {}: {}",
                                   t.tm.tm_year + 1900, t.tm.tm_mon + 1, t.tm.tm_mday, t.tm.tm_hour,
                                   t.tm.tm_min, t.tm.tm_sec, t.micros, CapnslogLetter(level), component, text);
    while (!line.empty() && line.back() == '\n') line.pop_back();  // capnslog adds exactly one
    return line;
  }
  std::string zone = "Z";
  if (t.offset_s != 0) {
    long off = t.offset_s < 0 ? -t.offset_s : t.offset_s;
    zone = fmt::format("{}{:02}{:02}", t.offset_s < 0 ? '-' : '+', off / 3600, (off % 3600) / 60);
  }
  std::string line = fmt::format(
      "{{\"level\":\"{}\",\"ts\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{}\",\"caller\":{},\"msg\":{}",
      ZapLevelName(level), t.tm.tm_year + 1900, t.tm.tm_mon + 1, t.tm.tm_mday, t.tm.tm_hour, t.tm.tm_min,
      t.tm.tm_sec, t.micros / 1000, zone, JsonQuote(component), JsonQuote(message));
  for (const LogField& f : fields) line += fmt::format(",{}:{}", JsonQuote(f.key), f.json);
  line += '}';
  return line;
}

void Logger::Log(LogLevel level, std::string_view component, std::string_view message,
                 std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  if (options_.format == LogFormat::kZap || fields.size() == 0) {
    Log(level, component, message, message, fields);
    return;
  }
  std::string text(message);
  for (const LogField& f : fields) text += fmt::format(" {}={}", f.key, f.plain);
  Log(level, component, text, message, fields);
}

void Logger::Log(LogLevel level, std::string_view component, std::string_view text,
                 std::string_view message, std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  sink_->info(Format(level, component, text, message, fields));
}

void Logger::Raft(LogLevel level, std::string_view message) {
  if (!Enabled(level)) return;
  if (options_.format == LogFormat::kZap) {
    sink_->info(Format(level, "raft", message, message, {}));
    return;
  }
  static constexpr std::string_view kWords[] = {"DEBUG", "INFO", "INFO", "WARN", "ERROR", "FATAL"};
  LocalTime t = ToLocal(clock_());
  sink_->info(fmt::format("raft{:04}/{:02}/{:02} {:02}:{:02}:{:02} {}: {}", t.tm.tm_year + 1900, t.tm.tm_mon + 1,
                          t.tm.tm_mday, t.tm.tm_hour, t.tm.tm_min, t.tm.tm_sec, kWords[static_cast<int>(level)],
                          message));
}

void Logger::Flush() {
  if (sink_) sink_->flush();
}

}  // namespace etcdpp
