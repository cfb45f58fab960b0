// Logger: the one logger of an etcdpp process, writing etcd 3.4's two line shapes so tools
// that read etcd's logs keep working:
//   capnslog (etcd 3.4's default): `2026-11-25 23:59:59.123456 I | etcdserver: message`
//   zap: `{"level":"info","ts":"2026-11-25T23:59:59.123Z","caller":"etcdserver","msg":"message",...}`
// Library code never reaches for a global: main owns one Logger and hands a reference (or
// embed::Config::logger) to what it starts.
//
// Configure() is called before other threads use the logger; after that any thread may log
// (the output sinks serialize writes).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace spdlog {
class logger;
}

namespace etcdpp {

// capnslog's levels; zap shows kNotice as "info" and kCritical as "fatal".
enum class LogLevel { kDebug, kInfo, kNotice, kWarn, kError, kCritical };

// etcd's --log-level words: debug, info, warn, error, dpanic, panic, fatal.
Result<LogLevel> ParseLogLevel(std::string_view text);

enum class LogFormat { kCapnslog, kZap };

struct LogOptions {
  LogFormat format = LogFormat::kCapnslog;
  LogLevel level = LogLevel::kInfo;
  // "default" and "stderr" are stderr, "stdout" is stdout, anything else a file path
  // (appended to). capnslog writes to exactly one output.
  std::vector<std::string> outputs = {"default"};
};

// One structured field: rendered as JSON in zap lines and as key=value in capnslog lines.
struct LogField {
  std::string key;
  std::string json;   // the value as JSON
  std::string plain;  // the value for capnslog lines

  static LogField Str(std::string key, std::string_view value);
  static LogField Int(std::string key, int64_t value);
  static LogField Uint(std::string key, uint64_t value);
  static LogField Bool(std::string key, bool value);
  static LogField Strs(std::string key, const std::vector<std::string>& values);
};

// JSON string literal for `s` (quotes included), escaped as zap escapes it.
std::string JsonQuote(std::string_view s);

class Logger {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Starts as etcd does before its configuration is read: capnslog, info, stderr.
  explicit Logger(Clock clock = std::chrono::system_clock::now);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // Switches shape, level and outputs. Fails (and keeps the old outputs) when a file
  // output cannot be opened.
  Status Configure(const LogOptions& options);
  LogFormat format() const { return options_.format; }
  bool structured() const { return options_.format == LogFormat::kZap; }
  bool Enabled(LogLevel level) const { return level >= options_.level; }

  // `component` is the capnslog package ("etcdmain", "etcdserver", "pkg/flags"); zap
  // lines carry it as "caller". capnslog lines show the fields as " key=value" after
  // the message.
  void Log(LogLevel level, std::string_view component, std::string_view message,
           std::initializer_list<LogField> fields = {});
  // For lines whose wording differs between the shapes in etcd (most do): `text` is the
  // capnslog line, `message` and `fields` the zap entry.
  void Log(LogLevel level, std::string_view component, std::string_view text,
           std::string_view message, std::initializer_list<LogField> fields);

  void Debug(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kDebug, c, m, f); }
  void Info(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kInfo, c, m, f); }
  void Notice(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kNotice, c, m, f); }
  void Warn(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kWarn, c, m, f); }
  void Error(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kError, c, m, f); }
  // Logs at the critical level; the caller then exits (status 1, as etcd's fatal logs do).
  void Fatal(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kCritical, c, m, f); }

  // A line of the raft state machine, in the shape etcd 3.4 gives them: with capnslog,
  // Go's standard logger with prefix "raft" (`raft2026/11/25 23:59:59 INFO: message`);
  // with zap, an ordinary entry whose caller is "raft".
  void Raft(LogLevel level, std::string_view message);

  // The line Log() would write, without the newline: capnslog shows `text` (fields are
  // not added to it), zap `message` and `fields`. For tests and for callers that must
  // write somewhere else.
  std::string Format(LogLevel level, std::string_view component, std::string_view text,
                     std::string_view message, std::initializer_list<LogField> fields) const;

  // Blocks until written lines reached the OS.
  void Flush();

 private:
  Clock clock_;
  LogOptions options_;
  std::shared_ptr<spdlog::logger> sink_;  // shared_ptr: spdlog's own ownership model
};

}  // namespace etcdpp
