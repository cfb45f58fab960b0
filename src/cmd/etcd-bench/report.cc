#include "cmd/etcd-bench/report.h"

#include <cstdio>
#include <fstream>

#include <fmt/format.h>

namespace etcdpp::bench {

nlohmann::json ReportJson(const Report& r, const Options& o) {
  nlohmann::json j = {
      {"workload", r.workload},
      {"clients", o.clients},
      {"conns", o.conns},
      {"endpoints", o.endpoints},
      {"results", nlohmann::json::object()},
      {"extra", r.extra},
  };
  for (const auto& [name, s] : r.sections) j["results"][name] = ToJson(s);
  if (!r.first_error.empty()) j["first_error"] = r.first_error;
  return j;
}

std::string ReportTable(const Report& r) {
  std::string out = fmt::format("{:<10} {:>9} {:>7} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
                                "", "count", "errors", "ops/s", "avg ms", "p50", "p90", "p99",
                                "p99.9", "max");
  for (const auto& [name, s] : r.sections) {
    out += fmt::format(
        "{:<10} {:>9} {:>7} {:>10.1f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f}\n",
        name, s.count, s.errors, s.ops_per_s, s.avg, s.p50, s.p90, s.p99, s.p999, s.max);
  }
  for (const auto& [k, v] : r.extra.items()) out += fmt::format("{}: {}\n", k, v.dump());
  if (!r.first_error.empty()) out += "first error: " + r.first_error + "\n";
  return out;
}

Status EmitReport(const Report& r, const Options& o) {
  std::string json = ReportJson(r, o).dump(2) + "\n";
  if (o.json_out == "-") {
    std::fwrite(json.data(), 1, json.size(), stdout);
    return Status::Ok();
  }
  std::string table = ReportTable(r);
  std::fwrite(table.data(), 1, table.size(), stdout);
  if (o.json_out.empty()) return Status::Ok();
  std::ofstream f(o.json_out, std::ios::trunc);
  f << json;
  if (!f) return IoError("cannot write " + o.json_out);
  return Status::Ok();
}

}  // namespace etcdpp::bench
