#include "bootstrap/static_cluster.h"

#include <algorithm>
#include <set>

#include "base/url.h"

namespace etcdpp::bootstrap {

Result<std::map<std::string, std::vector<std::string>>> ParseInitialCluster(std::string_view value) {
  std::map<std::string, std::vector<std::string>> names;
  size_t pos = 0;
  while (pos <= value.size() && !value.empty()) {
    size_t comma = value.find(',', pos);
    std::string_view item = value.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument("error setting up initial cluster: invalid entry " + std::string(item));
    }
    names[std::string(item.substr(0, eq))].emplace_back(item.substr(eq + 1));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  for (auto& [name, urls] : names) {
    ETCDPP_ASSIGN_OR_RETURN(std::vector<Url> parsed, ParseUrlList(urls));
    urls.clear();
    for (const auto& u : parsed) urls.push_back(u.String());
  }
  return names;
}

Result<InitialCluster> MembersOf(const std::map<std::string, std::vector<std::string>>& parsed,
                                 std::string_view name, std::string_view token) {
  InitialCluster out;
  std::set<std::string> seen_urls;
  std::vector<uint64_t> ids;
  for (const auto& [member_name, urls] : parsed) {
    for (const auto& u : urls) {
      if (!seen_urls.insert(u).second) {
        return InvalidArgument("error setting up initial cluster: duplicate peer URL " + u);
      }
    }
    membership::Member m;
    m.name = member_name;
    m.peer_urls = urls;
    m.id = membership::ComputeMemberId(urls, token);
    if (member_name == name) out.local_id = m.id;
    ids.push_back(m.id);
    out.members.push_back(std::move(m));
  }
  if (out.local_id == 0) return InvalidArgument(std::string(name) + " not listed in the initial cluster config");
  std::sort(out.members.begin(), out.members.end(),
            [](const membership::Member& a, const membership::Member& b) { return a.id < b.id; });
  out.cluster_id = membership::ComputeClusterId(ids);
  return out;
}

Result<InitialCluster> BuildInitialCluster(std::string_view initial_cluster, std::string_view name,
                                           const std::vector<std::string>& advertise_peer_urls,
                                           std::string_view token) {
  auto parsed = ParseInitialCluster(initial_cluster);
  if (!parsed.ok()) {
    std::string m = parsed.status().message();
    if (m.rfind("error setting up initial cluster", 0) != 0) m = "error setting up initial cluster: " + m;
    return InvalidArgument(m);
  }
  auto it = parsed->find(std::string(name));
  if (it == parsed->end()) {
    return InvalidArgument(std::string(name) + " not listed in the initial cluster config");
  }
  std::vector<std::string> advertised = advertise_peer_urls;
  std::sort(advertised.begin(), advertised.end());
  if (advertised != it->second) {
    return InvalidArgument("error setting up initial cluster: " + std::string(name) +
                           " has different advertised URLs in the cluster and advertised peer URLs list");
  }
  return MembersOf(*parsed, name, token);
}

}  // namespace etcdpp::bootstrap
