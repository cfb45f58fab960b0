// FlagSet: a command-line parser with Go's `flag` package syntax, so our binaries accept
// exactly what etcd's do: `-name` and `--name`, `=value` or a separate value, bare booleans
// (`--x`, `--x=false`, but `--x false` leaves "false" as a positional argument), `--` to end
// flags, and Go's error texts (`flag provided but not defined: -foo`,
// `invalid value "x" for flag -name: parse error`, ...).
//
// Flags write straight into caller-owned variables (the FlagSet borrows them; they must
// outlive it). The set also remembers which flags were given, and can fill the others from
// environment variables (etcd's `ETCD_<NAME>` convention). One thread uses a FlagSet.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace etcdpp {

// Go's strconv / time parsers, with Go's error wording for flag values ("parse error",
// "value out of range"). Integers accept base prefixes (0x, 0o, 0b, leading 0) and
// underscores between digits, as Go's base-0 parsing does.
Result<int64_t> ParseGoInt(std::string_view text, int bits);
Result<uint64_t> ParseGoUint(std::string_view text, int bits);
Result<bool> ParseGoBool(std::string_view text);
// "1h2m3.5s", "300ms", "-1.5h", "0"; units ns, us, µs, ms, s, m, h.
Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);
// Go's Duration.String(): "1h2m3.5s", "300ms", "0s".
std::string FormatGoDuration(std::chrono::nanoseconds d);

class FlagSet {
 public:
  // A flag's setter: parses `value` into the bound variable or returns why it cannot.
  using Setter = std::function<Status(std::string_view value)>;

  struct Flag {
    std::string name;
    std::string usage;
    bool is_bool = false;
    Setter set;
  };

  enum class Outcome {
    kOk,     // flags parsed; positional() holds what followed them
    kHelp,   // -h or -help was given and is not a defined flag
    kError,  // error() holds Go's message for it
  };

  explicit FlagSet(std::string program_name) : program_name_(std::move(program_name)) {}
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // The program (or subcommand) these flags belong to, for the caller's messages.
  const std::string& program_name() const { return program_name_; }

  void String(std::string name, std::string* target, std::string usage = {});
  void Bool(std::string name, bool* target, std::string usage = {});
  void Int(std::string name, int64_t* target, std::string usage = {});  // Go int (64-bit)
  void Uint(std::string name, uint64_t* target, std::string usage = {});  // Go uint, uint64
  void Duration(std::string name, std::chrono::nanoseconds* target, std::string usage = {});
  // A flag with its own value syntax (Go's flag.Var). Errors from `set` are reported as is.
  void Custom(std::string name, bool is_bool, Setter set, std::string usage = {});

  // Parses `args` (without the program name). Stops at the first non-flag argument or
  // after "--"; the rest are positional().
  Outcome Parse(const std::vector<std::string>& args);
  const std::string& error() const { return error_; }
  const std::vector<std::string>& positional() const { return positional_; }

  // Whether the flag was given on the command line (or set from the environment).
  bool IsSet(std::string_view name) const { return set_.count(std::string(name)) > 0; }
  const Flag* Lookup(std::string_view name) const;
  // Sets a flag by name as if given on the command line.
  Status Set(std::string_view name, std::string_view value);
  // Flag names in lexicographic order (Go's VisitAll order).
  std::vector<std::string> Names() const;

  // What SetFromEnv did, for the caller to log in its own words.
  struct EnvReport {
    std::vector<std::pair<std::string, std::string>> used;  // key, value; in flag-name order
    std::vector<std::string> unrecognized;                 // "KEY=value", environment order
    std::string conflicting;  // first env key whose flag was also given on the command line
  };
  // Environment key for a flag: prefix + "_" + upper-cased name with '-' as '_'.
  static std::string EnvKey(std::string_view prefix, std::string_view flag_name);
  // Sets each flag not given on the command line from a non-empty `PREFIX_NAME` entry of
  // `environ` ("KEY=value" strings in environment order). Returns the last value error as
  // `invalid value "v" for KEY: <why>`; the report is filled in any case. A conflict stops
  // the scan of unrecognized keys at the conflicting entry (the caller treats it as fatal).
  Status SetFromEnv(std::string_view prefix, const std::vector<std::string>& environ,
                    EnvReport* report);

 private:
  enum class Step { kFlag, kDone, kHelp, kError };
  Step ParseOne(std::vector<std::string>::const_iterator& it,
                std::vector<std::string>::const_iterator end);
  Step Fail(std::string message);
  void Add(Flag flag);

  std::string program_name_;
  std::map<std::string, Flag, std::less<>> flags_;
  std::set<std::string> set_;
  std::vector<std::string> positional_;
  std::string error_;
};

}  // namespace etcdpp
