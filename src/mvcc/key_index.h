// KeyIndex: the revision history of one key, as generations. A generation runs from the
// put that creates the key to the tombstone that deletes it (the tombstone is its last
// revision); the last generation is the live one (empty while the key is deleted).
// Example: put@2, put@4, delete@6, put@8 gives {2, 4, 6(t)} and {8}.
//
// Plain value owned by TreeIndex, which serializes access.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "mvcc/revision.h"

namespace etcdpp::mvcc {

// What a key looked like at a revision.
struct KeyInfo {
  Revision modified;  // the revision holding its value
  Revision created;   // the put that created this generation
  int64_t version = 0;
};

class KeyIndex {
 public:
  // Requires: rev greater than every revision recorded so far.
  void Put(Revision rev);
  // Rebuild at open: one live generation whose newest revision is `modified`.
  void Restore(Revision created, Revision modified, int64_t version);
  // Ends the live generation at `rev`. NotFound if the key is not live.
  Status Tombstone(Revision rev);
  // The key as of main revision `at_rev`; nullopt if it did not exist then.
  std::optional<KeyInfo> Get(int64_t at_rev) const;
  // Revisions with main > rev that are newest within their main revision.
  std::vector<Revision> Since(int64_t rev) const;

  // Drops history not needed to read at revisions >= at_rev: keeps the newest revision at
  // or below at_rev of a live generation; drops whole generations ended at or below it.
  // Adds the kept revisions at or below at_rev to `kept`.
  void Compact(int64_t at_rev, std::set<Revision>* kept);
  // Like Compact, but only reports what Compact(at_rev) would keep.
  void Keep(int64_t at_rev, std::set<Revision>* kept) const;

  // True when only an empty generation remains (the key can be dropped from the index).
  bool empty() const { return generations_.size() == 1 && generations_[0].revs.empty(); }
  Revision modified() const { return modified_; }
  bool live() const { return !generations_.empty() && !generations_.back().revs.empty(); }

 private:
  struct Generation {
    int64_t version = 0;
    Revision created;
    std::vector<Revision> revs;
  };
  // Index of the first generation that still matters at at_rev, and within it the newest
  // revision <= at_rev (-1 if none); fills `kept` with revisions <= at_rev seen there.
  std::pair<size_t, int> FindCompactPoint(int64_t at_rev, std::set<Revision>* kept) const;

  Revision modified_;
  std::vector<Generation> generations_;
};

}  // namespace etcdpp::mvcc
