#include "mvcc/key_index.h"

namespace etcdpp::mvcc {

void KeyIndex::Put(Revision rev) {
  ETCDPP_CHECK(rev > modified_, "key index: put with a revision not after the last one");
  if (generations_.empty()) generations_.emplace_back();
  Generation& g = generations_.back();
  if (g.revs.empty()) g.created = rev;
  g.revs.push_back(rev);
  ++g.version;
  modified_ = rev;
}

void KeyIndex::Restore(Revision created, Revision modified, int64_t version) {
  ETCDPP_CHECK(generations_.empty(), "key index: restore into a non-empty index");
  modified_ = modified;
  generations_.push_back(Generation{version, created, {modified}});
}

Status KeyIndex::Tombstone(Revision rev) {
  if (!live()) return NotFound("mvcc: revision not found");
  Put(rev);
  generations_.emplace_back();
  return Status::Ok();
}

std::optional<KeyInfo> KeyIndex::Get(int64_t at_rev) const {
  // Newest generation that had started by at_rev; it must not have ended by then.
  for (size_t i = generations_.size(); i-- > 0;) {
    const Generation& g = generations_[i];
    if (g.revs.empty()) continue;
    if (g.revs.front().main > at_rev) continue;
    const bool ended = i != generations_.size() - 1;
    if (ended && g.revs.back().main <= at_rev) return std::nullopt;
    for (size_t j = g.revs.size(); j-- > 0;) {
      if (g.revs[j].main <= at_rev) {
        const int64_t version = g.version - static_cast<int64_t>(g.revs.size() - 1 - j);
        return KeyInfo{g.revs[j], g.created, version};
      }
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::vector<Revision> KeyIndex::Since(int64_t rev) const {
  std::vector<Revision> out;
  for (const Generation& g : generations_) {
    for (const Revision& r : g.revs) {
      if (r.main <= rev) continue;
      if (!out.empty() && out.back().main == r.main) {
        out.back() = r;
      } else {
        out.push_back(r);
      }
    }
  }
  return out;
}

std::pair<size_t, int> KeyIndex::FindCompactPoint(int64_t at_rev, std::set<Revision>* kept) const {
  size_t gi = 0;
  // Skip generations whose tombstone is at or below at_rev (the last one never ends).
  while (gi + 1 < generations_.size() && !generations_[gi].revs.empty() &&
         generations_[gi].revs.back().main <= at_rev) {
    ++gi;
  }
  const Generation& g = generations_[gi];
  for (int j = static_cast<int>(g.revs.size()) - 1; j >= 0; --j) {
    if (g.revs[j].main <= at_rev) {
      if (kept != nullptr) kept->insert(g.revs[j]);
      return {gi, j};
    }
  }
  return {gi, -1};
}

void KeyIndex::Compact(int64_t at_rev, std::set<Revision>* kept) {
  ETCDPP_CHECK(!generations_.empty(), "key index: compact of an empty index");
  auto [gi, ri] = FindCompactPoint(at_rev, kept);
  Generation& g = generations_[gi];
  if (!g.revs.empty()) {
    if (ri > 0) g.revs.erase(g.revs.begin(), g.revs.begin() + ri);
    // A generation reduced to its tombstone is history nobody can read any more.
    if (g.revs.size() == 1 && gi + 1 != generations_.size() && g.revs[0].main <= at_rev) {
      if (kept != nullptr) kept->erase(g.revs[0]);
      ++gi;
    }
  }
  generations_.erase(generations_.begin(), generations_.begin() + static_cast<long>(gi));
}

void KeyIndex::Keep(int64_t at_rev, std::set<Revision>* kept) const {
  if (generations_.empty() || empty()) return;
  auto [gi, ri] = FindCompactPoint(at_rev, kept);
  const Generation& g = generations_[gi];
  if (!g.revs.empty() && ri == static_cast<int>(g.revs.size()) - 1 && gi + 1 != generations_.size()) {
    kept->erase(g.revs[ri]);  // a tombstone is not kept
  }
}

}  // namespace etcdpp::mvcc
