#include "cmd/etcd/etcd_main.h"

#include <sched.h>

#include <algorithm>
#include <thread>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "cmd/etcd/data_dir.h"
#include "cmd/etcd/gateway_command.h"
#include "cmd/etcd/help_text.h"
#include "cmd/etcd/unsupported.h"

#ifndef ETCDPP_VERSION
#define ETCDPP_VERSION "0.0.0"
#endif

namespace etcdpp::etcdmain {
namespace {

constexpr char kPkg[] = "etcdmain";

// etcd's report of a configuration it refuses (exit 1 follows).
void ReportVerifyError(Logger& logger, const Status& s) {
  const bool missing_advertise = s.code() == StatusCode::kFailedPrecondition;
  if (logger.structured()) {
    logger.Warn(kPkg, "failed to verify flags", {LogField::Str("error", s.message())});
    if (missing_advertise) {
      logger.Warn(kPkg, "advertise client URLs are not set", {LogField::Str("error", s.message())});
    }
    return;
  }
  logger.Error(kPkg, fmt::format("error verifying flags, {}. See 'etcd --help'.", s.message()));
  if (missing_advertise) {
    logger.Error(kPkg, "When listening on specific address(es), this etcd process must advertise accessible "
                       "url(s) to each connected client.");
  }
}

// etcd's Validate: logging flags first (their warnings go to stderr as etcd prints them),
// then the logger takes its configured shape, then the other checks.
Status ValidateAndSetUpLogging(const embed::Config& c, Logger& logger, std::ostream& err) {
  ETCDPP_RETURN_IF_ERROR(c.CheckLogOutputFlags());
  for (const std::string& line : c.LoggingWarnings()) err << line << '\n';
  err.flush();
  ETCDPP_ASSIGN_OR_RETURN(LogOptions options, c.LogSettings());
  ETCDPP_RETURN_IF_ERROR(logger.Configure(options));
  return c.Validate();
}

// The v2-proxy keys etcd reads from the same file; a bad word is fatal as in etcd.
Status ReadProxySettings(const std::string& path, ProxySettings& proxy) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) return Status::Ok();
    auto word = [&](const char* key, std::string& target, std::vector<std::string> valid, const char* what) -> Status {
      if (!root[key] || !root[key].IsScalar() || root[key].Scalar().empty()) return Status::Ok();
      const std::string v = root[key].Scalar();
      if (std::find(valid.begin(), valid.end(), v) == valid.end()) {
        return InvalidArgument(fmt::format("unexpected error setting up {}: invalid value", what));
      }
      target = v;
      return Status::Ok();
    };
    ETCDPP_RETURN_IF_ERROR(word("discovery-fallback", proxy.discovery_fallback, {"proxy", "exit"}, "discovery-fallback flag"));
    ETCDPP_RETURN_IF_ERROR(word("proxy", proxy.proxy, {"off", "readonly", "on"}, "proxyFlag"));
    const std::pair<const char*, uint64_t*> numbers[] = {
        {"proxy-failure-wait", &proxy.failure_wait_ms}, {"proxy-refresh-interval", &proxy.refresh_interval_ms},
        {"proxy-dial-timeout", &proxy.dial_timeout_ms}, {"proxy-write-timeout", &proxy.write_timeout_ms},
        {"proxy-read-timeout", &proxy.read_timeout_ms}};
    for (const auto& [key, target] : numbers) {
      if (root[key] && root[key].IsScalar()) *target = root[key].as<uint64_t>();
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgument(e.what());
  }
  return Status::Ok();
}

std::optional<int> LoadFromFile(CommandLine& cl, Logger& logger, Console console) {
  embed::ConfigFileError file_error;
  Result<embed::Config> loaded = embed::ConfigFromFile(cl.config_file, &file_error);
  if (!loaded.ok() && file_error.print_as_is) {
    console.err << file_error.message << '\n';
    return 1;
  }
  Status s = loaded.status();
  if (loaded.ok()) {
    cl.config = std::move(loaded).value();
    s = ValidateAndSetUpLogging(cl.config, logger, console.err);
  }
  if (s.ok()) {
    if (Status p = ReadProxySettings(cl.config_file, cl.proxy); !p.ok()) {
      console.err << p.message() << '\n';
      return 1;
    }
  }
  // etcd drops a refused file's configuration, logger included: the report below then
  // comes from the default (capnslog) logger.
  if (!s.ok()) logger.Configure(LogOptions{}).IgnoreError();
  logger.Log(LogLevel::kInfo, kPkg,
             fmt::format("Loading server configuration from \"{}\". Other configuration command line flags and "
                         "environment variables will be ignored if provided.", cl.config_file),
             "loaded server configuration, other configuration command line flags and environment variables will be "
             "ignored if provided",
             {LogField::Str("path", cl.config_file)});
  if (!s.ok()) {
    ReportVerifyError(logger, s);
    return 1;
  }
  return std::nullopt;
}

std::optional<int> LoadFromFlagsAndEnv(FlagSet& flags, CommandLine& cl, const std::vector<std::string>& environ,
                                       Logger& logger, Console console) {
  FlagSet::EnvReport report;
  Status env_status = flags.SetFromEnv("ETCD", environ, &report);
  for (const auto& [key, value] : report.used) {
    logger.Info("pkg/flags", fmt::format("recognized and used environment variable {}={}", key, value));
  }
  for (const std::string& entry : report.unrecognized) {
    logger.Warn("pkg/flags", fmt::format("unrecognized environment variable {}", entry));
  }
  if (!report.conflicting.empty()) {
    logger.Fatal("pkg/flags", fmt::format("conflicting environment variable \"{}\" is shadowed by corresponding "
                                          "command-line flag (either unset environment variable or disable flag)",
                                          report.conflicting));
    return 1;
  }
  if (!env_status.ok()) {
    ReportVerifyError(logger, env_status);
    return 1;
  }
  embed::Config& c = cl.config;
  // Listening on chosen addresses means the default advertised URL would be wrong.
  if (flags.IsSet("listen-client-urls") && !flags.IsSet("advertise-client-urls") && !cl.MayBeProxy()) {
    c.advertise_client_urls.clear();
  }
  if ((!c.discovery.empty() || !c.discovery_srv.empty() || !c.discovery_srv_name.empty()) &&
      !flags.IsSet("initial-cluster")) {
    c.initial_cluster.clear();
  }
  Status s = ValidateAndSetUpLogging(c, logger, console.err);
  if (s.code() == StatusCode::kFailedPrecondition && cl.MayBeProxy()) s = Status::Ok();
  if (!s.ok()) {
    ReportVerifyError(logger, s);
    return 1;
  }
  return std::nullopt;
}

// The CPUs this process may run on, as Go's runtime.NumCPU counts them.
int UsableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void PrintVersion(std::ostream& out) {
  out << "etcd Version: " << kEtcdVersion << '\n'
      << "Git SHA: Not provided (etcdpp)\n"
      << "Go Version: go1.19.8\n"
      << "Go OS/Arch: linux/amd64\n"
      << "etcdpp Version: " << ETCDPP_VERSION << '\n';
}

void LogBanner(Logger& logger) {
  const int cpus = UsableCpus();
  logger.Info(kPkg, fmt::format("etcd Version: {}", kEtcdVersion));
  logger.Info(kPkg, "Git SHA: Not provided (etcdpp)");
  logger.Info(kPkg, "Go Version: go1.19.8");
  logger.Info(kPkg, "Go OS/Arch: linux/amd64");
  logger.Info(kPkg, fmt::format("setting maximum number of CPUs to {}, total number of available CPUs is {}", cpus, cpus));
}

// The machine's address for wildcard listeners, the single-member initial cluster of a
// named member, and the default data dir.
void ApplyDerivedDefaults(embed::Config& c, Logger& logger) {
  Result<std::string> host = embed::DetectDefaultHost();
  std::string used_host = c.UpdateDefaultClusterFromName(embed::Config().initial_cluster, host.ok() ? *host : "");
  if (!used_host.empty()) {
    logger.Log(LogLevel::kInfo, kPkg, fmt::format("advertising using detected default host \"{}\"", used_host),
               "detected default host for advertise", {LogField::Str("host", used_host)});
  }
  if (!host.ok()) {
    logger.Log(logger.structured() ? LogLevel::kInfo : LogLevel::kNotice, kPkg,
               fmt::format("failed to detect default host ({})", host.status().message()),
               "failed to detect default host", {LogField::Str("error", host.status().message())});
  }
  if (c.data_dir.empty()) {
    c.data_dir = c.name + ".etcd";
    logger.Log(LogLevel::kWarn, kPkg, fmt::format("no data-dir provided, using default data-dir ./{}", c.data_dir),
               "'data-dir' was empty; using default", {LogField::Str("data-dir", c.data_dir)});
  }
}

// What the data dir already holds; an exit status when etcdpp must not start on it.
std::optional<int> CheckDataDir(const CommandLine& cl, Logger& logger, Console console) {
  const embed::Config& c = cl.config;
  Result<DataDirKind> kind = IdentifyDataDir(c.data_dir, logger);
  if (!kind.ok()) {
    const std::string& why = kind.status().message();
    if (kind.status().code() == StatusCode::kIoError) {
      logger.Log(LogLevel::kCritical, kPkg, why, why, {LogField::Str("dir", c.data_dir)});
    } else {
      logger.Fatal(kPkg, why);
    }
    return 1;
  }
  if (*kind != DataDirKind::kEmpty) {
    const char* name = DataDirKindName(*kind);
    logger.Log(LogLevel::kNotice, kPkg,
               fmt::format("the server is already initialized as {} before, starting as etcd {}...", name, name),
               "server has been already initialized",
               {LogField::Str("data-dir", c.data_dir), LogField::Str("dir-type", name)});
  }
  if (*kind == DataDirKind::kProxy || cl.proxy.proxy != "off") {
    console.err << "etcd: the v2 proxy (--proxy, or a data dir holding proxy/) is not supported yet by etcdpp\n";
    return 1;
  }
  return std::nullopt;
}

}  // namespace

Loaded LoadCommandLine(const std::vector<std::string>& args, const std::vector<std::string>& environ,
                       Logger& logger, Console console) {
  Loaded result;
  CommandLine& cl = result.command_line;
  FlagSet flags("etcd");
  DefineEtcdFlags(flags, cl, logger);
  switch (flags.Parse(args)) {
    case FlagSet::Outcome::kHelp:
      console.err << kUsage << '\n';
      console.out << kFlags << '\n';
      result.exit_status = 0;
      return result;
    case FlagSet::Outcome::kError:
      console.err << flags.error() << '\n' << kUsage << '\n';
      result.exit_status = 2;
      return result;
    case FlagSet::Outcome::kOk:
      break;
  }
  if (!flags.positional().empty()) {
    ReportVerifyError(logger, InvalidArgument(fmt::format("'{}' is not a valid flag", flags.positional()[0])));
    result.exit_status = 1;
    return result;
  }
  if (cl.print_version) {
    PrintVersion(console.out);
    result.exit_status = 0;
    return result;
  }
  if (cl.config_file.empty()) {
    const std::string key = FlagSet::EnvKey("ETCD", "config-file") + "=";
    for (const std::string& entry : environ) {
      if (entry.starts_with(key)) {
        cl.config_file = entry.substr(key.size());
        break;
      }
    }
  }
  result.exit_status = cl.config_file.empty() ? LoadFromFlagsAndEnv(flags, cl, environ, logger, console)
                                              : LoadFromFile(cl, logger, console);
  return result;
}

int EtcdMain(const std::vector<std::string>& args, const std::vector<std::string>& environ, Logger& logger,
             Console console, const RunMemberFn& run_member) {
  // etcd's subcommands (cobra-style command lines of their own).
  if (!args.empty() && args[0] == "gateway") return GatewayCommand({args.begin() + 1, args.end()}, logger, console);
  if (!args.empty() && args[0] == "grpc-proxy") {
    console.err << "etcd: " << args[0] << " is not supported yet by etcdpp\n";
    return 1;
  }
  Loaded loaded = LoadCommandLine(args, environ, logger, console);
  if (loaded.exit_status) return *loaded.exit_status;
  CommandLine& cl = loaded.command_line;
  if (std::optional<std::string> flag = FirstUnsupportedSetting(cl)) {
    console.err << "etcd: " << *flag << " is not supported yet by etcdpp\n";
    return 1;
  }
  embed::Config& c = cl.config;
  if (!logger.structured()) LogBanner(logger);
  ApplyDerivedDefaults(c, logger);
  if (std::optional<int> status = CheckDataDir(cl, logger, console)) return *status;
  // etcd checks the configuration again as the member starts: the warnings repeat, and
  // listeners that need TLS files are refused before anything is created on disk.
  for (const std::string& line : c.LoggingWarnings()) console.err << line << '\n';
  console.err.flush();
  if (Status s = c.CheckListenerTls(); !s.ok()) {
    logger.Fatal(kPkg, s.message());
    return 1;
  }
  c.logger = &logger;
  c.discovery_fallback_proxy = cl.proxy.discovery_fallback == "proxy";
  return run_member(c);
}

}  // namespace etcdpp::etcdmain
