#include "membership/member.h"

#include <openssl/sha.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace etcdpp::membership {
namespace {

uint64_t FirstEightBytesOfSha1(const std::string& data) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = (id << 8) | digest[i];
  return id;
}

}  // namespace

uint64_t ComputeMemberId(std::vector<std::string> peer_urls, std::string_view cluster_token,
                         std::optional<int64_t> unix_seconds) {
  std::sort(peer_urls.begin(), peer_urls.end());
  std::string input;
  for (const auto& url : peer_urls) input += url;
  input += cluster_token;
  if (unix_seconds) input += std::to_string(*unix_seconds);
  return FirstEightBytesOfSha1(input);
}

uint64_t ComputeClusterId(std::vector<uint64_t> member_ids) {
  std::sort(member_ids.begin(), member_ids.end());
  std::string input;
  for (uint64_t id : member_ids) {
    for (int shift = 56; shift >= 0; shift -= 8) input.push_back(static_cast<char>(id >> shift));
  }
  return FirstEightBytesOfSha1(input);
}

std::string IdToString(uint64_t id) {
  char buf[17];
  int n = std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(id));
  return std::string(buf, n);
}

Result<uint64_t> ParseId(std::string_view hex) {
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), id, 16);
  if (hex.empty() || ec != std::errc() || end != hex.data() + hex.size()) {
    return InvalidArgument("invalid member ID " + std::string(hex));
  }
  return id;
}

std::string MemberToJson(const Member& member) {
  nlohmann::ordered_json j;
  j["id"] = member.id;
  j["peerURLs"] = member.peer_urls;
  if (member.is_learner) j["isLearner"] = true;
  if (!member.name.empty()) j["name"] = member.name;
  if (!member.client_urls.empty()) j["clientURLs"] = member.client_urls;
  return j.dump();
}

Result<Member> MemberFromJson(std::string_view json) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("member JSON is malformed");
  Member m;
  auto string_list = [&](const char* key, std::vector<std::string>& out) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return true;
    if (!it->is_array()) return false;
    for (const auto& v : *it) {
      if (!v.is_string()) return false;
      out.push_back(v.get<std::string>());
    }
    return true;
  };
  auto id = j.find("id");
  if (id == j.end() || !id->is_number_unsigned()) return InvalidArgument("member JSON has no id");
  m.id = id->get<uint64_t>();
  if (!string_list("peerURLs", m.peer_urls) || !string_list("clientURLs", m.client_urls)) {
    return InvalidArgument("member JSON has malformed URL lists");
  }
  if (auto it = j.find("name"); it != j.end() && it->is_string()) m.name = it->get<std::string>();
  if (auto it = j.find("isLearner"); it != j.end() && it->is_boolean()) m.is_learner = it->get<bool>();
  return m;
}

}  // namespace etcdpp::membership
