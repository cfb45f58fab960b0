// Report: what one etcd-bench run measured: named latency sections ("put", or "event" and
// "put" for watch) plus workload facts (keys, watchers, retries), printed as a table or
// written as JSON.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "cmd/etcd-bench/latency_stats.h"
#include "cmd/etcd-bench/options.h"

namespace etcdpp::bench {

struct Report {
  std::string workload;
  std::vector<std::pair<std::string, LatencyStats>> sections;
  nlohmann::json extra = nlohmann::json::object();
  std::string first_error;  // the first failed request's message, if any
};

nlohmann::json ReportJson(const Report& r, const Options& o);
std::string ReportTable(const Report& r);
// Writes the table to stdout and, with --json, the JSON to that path (or stdout for "-").
Status EmitReport(const Report& r, const Options& o);

}  // namespace etcdpp::bench
