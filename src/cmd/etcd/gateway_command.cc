#include "cmd/etcd/gateway_command.h"

#include <functional>
#include <map>
#include <optional>

#include "base/flag_set.h"
#include "gateway/endpoints.h"
#include "gateway/tcp_proxy.h"

namespace etcdpp::etcdmain {
namespace {

const char kGatewayHelp[] = R"(gateway related command

Usage:
  etcd gateway [command]

Available Commands:
  start       start the gateway

Flags:
  -h, --help   help for gateway

Use "etcd gateway [command] --help" for more information about a command.
)";

const char kStartUsage[] = R"(Usage:
  etcd gateway start [flags]

Flags:
      --discovery-srv string        DNS domain used to bootstrap initial cluster
      --discovery-srv-name string   service name to query when using DNS discovery
      --endpoints strings           comma separated etcd cluster endpoints (default [127.0.0.1:2379])
  -h, --help                        help for start
      --insecure-discovery          accept insecure SRV records
      --listen-addr string          listen address (default "127.0.0.1:23790")
      --retry-delay duration        duration of delay before retrying failed endpoints (default 1m0s)
      --trusted-ca-file string      path to the client server TLS CA file for verifying the discovered endpoints when discovery-srv is provided.
)";

// pflag's comma-separated list (a quoted field may hold commas, as encoding/csv reads it).
std::vector<std::string> SplitCsv(const std::string& value) {
  std::vector<std::string> out;
  if (value.empty()) return out;
  std::string field;
  bool quoted = false;
  for (char c : value) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  out.push_back(std::move(field));
  return out;
}

struct StartFlag {
  bool is_bool = false;
  std::function<std::optional<std::string>(const std::string& value)> set;  // error text
};

// Parses `etcd gateway start`'s flags as pflag does. Returns the error text, if any.
std::optional<std::string> ParseStart(const std::vector<std::string>& args, gateway::GatewayFlags& f, bool* help) {
  bool endpoints_given = false;
  std::map<std::string, StartFlag> flags;
  auto text = [](std::string* target) {
    return StartFlag{false, [target](const std::string& v) {
                       *target = v;
                       return std::optional<std::string>();
                     }};
  };
  flags["listen-addr"] = text(&f.listen_addr);
  flags["discovery-srv"] = text(&f.discovery_srv);
  flags["discovery-srv-name"] = text(&f.discovery_srv_name);
  flags["trusted-ca-file"] = text(&f.trusted_ca_file);
  flags["endpoints"] = {false, [&](const std::string& v) {
                          if (!endpoints_given) f.endpoints.clear();  // the first use replaces the default
                          endpoints_given = true;
                          for (std::string& e : SplitCsv(v)) f.endpoints.push_back(std::move(e));
                          return std::optional<std::string>();
                        }};
  flags["insecure-discovery"] = {true, [&](const std::string& v) -> std::optional<std::string> {
                                   auto b = ParseGoBool(v);
                                   if (!b.ok()) return "strconv.ParseBool: parsing \"" + v + "\": invalid syntax";
                                   f.insecure_discovery = *b;
                                   return std::nullopt;
                                 }};
  flags["retry-delay"] = {false, [&](const std::string& v) -> std::optional<std::string> {
                            auto d = ParseGoDuration(v);
                            if (!d.ok()) return "time: invalid duration \"" + v + "\"";
                            f.retry_delay = *d;
                            return std::nullopt;
                          }};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (a == "-h" || a == "--help") {
      *help = true;
      continue;
    }
    if (a.starts_with("--")) {
      const size_t eq = a.find('=');
      const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      auto it = flags.find(name);
      if (it == flags.end()) return "unknown flag: --" + name;
      std::string value;
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
      } else if (it->second.is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return "flag needs an argument: --" + name;
      }
      if (auto bad = it->second.set(value)) {
        return "invalid argument \"" + value + "\" for \"--" + name + "\" flag: " + *bad;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      return "unknown shorthand flag: '" + a.substr(1, 1) + "' in " + a;
    }
    // Other arguments are accepted and ignored, as etcd's `start` does.
  }
  return std::nullopt;
}

int Start(const std::vector<std::string>& args, Logger& logger, Console console) {
  gateway::GatewayFlags f;
  bool help = false;
  if (auto error = ParseStart(args, f, &help)) {
    console.err << "Error: " << *error << "\n" << kStartUsage << "\n" << *error;
    console.err.flush();
    return 1;
  }
  if (help) {
    console.out << "start the gateway\n\n" << kStartUsage;
    return 0;
  }
  // etcd's gateway logs as zap's production logger does: JSON, info and up, to stderr.
  if (Status s = logger.Configure({LogFormat::kZap, LogLevel::kInfo, {"stderr"}}); !s.ok()) {
    console.err << s.message() << "\n";
    return 1;
  }
  auto remotes = gateway::PlanGateway(f, gateway::RealGatewaySystem(), &logger);
  if (!remotes.ok()) {
    console.out << remotes.status().message();  // etcd prints these with fmt.Print
    console.out.flush();
    return 1;
  }
  auto proxy = gateway::TcpProxy::Listen(f.listen_addr, {std::move(*remotes), f.retry_delay, &logger});
  if (!proxy.ok()) {
    console.err << proxy.status().message() << "\n";
    return 1;
  }
  (*proxy)->Run();
  return 0;
}

}  // namespace

int GatewayCommand(const std::vector<std::string>& args, Logger& logger, Console console) {
  if (!args.empty() && args[0] == "start") return Start({args.begin() + 1, args.end()}, logger, console);
  // No subcommand, help, or an unknown word: cobra shows the command's help.
  console.out << kGatewayHelp;
  return 0;
}

}  // namespace etcdpp::etcdmain
